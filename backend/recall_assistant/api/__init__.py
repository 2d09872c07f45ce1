"""HTTP blueprints and their marshmallow schemas."""
