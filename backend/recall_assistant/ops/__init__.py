"""Running and deploying Recall Assistant: the checks of ``check-config``, the add-in
manifests, the local certificates, the development server and ``serve`` under gunicorn."""
