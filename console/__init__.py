"""lambda-console: the AWS Lambda console's test cycle, locally, in a terminal."""

__version__ = "0.1.0"
