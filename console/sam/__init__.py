"""SAM (and CloudFormation) projects: reading a template's functions, layers and HTTP events."""
