"""Fix memory: accepted fixes as worked examples, rejected ones as things to avoid."""
