"""The pure domain: eligibility rules, recall reports, correction templates. No I/O."""
