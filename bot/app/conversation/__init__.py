"""People steer redfix from pull-request comments: commands, sanitising, permission,
the status comment and explanations. Pure logic: the service does the I/O."""
