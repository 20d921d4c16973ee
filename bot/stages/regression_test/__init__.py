"""Regression test: a new test that fails before the fix and passes after
(`write.write_regression_test`); `change_tests` finds what a pull request changed."""
