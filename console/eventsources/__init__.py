"""Event source mappings (SQS, Kinesis, DynamoDB Streams) simulated on a virtual clock; every batch is a real invocation."""
