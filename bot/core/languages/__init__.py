"""The languages redfix fixes, one module each, and the registry that picks one."""
