"""Policy: what a candidate may change (`rules.check_policy`): never an existing test,
never a weaker assertion, no gutted function, no edit the failing tests never run."""
