"""Publish: what redfix says about an outcome: pull request, check run and comment
plans (`plans`), the one path to a pull request (`pull_request.publish_pull_request`),
the JSON record and the terminal summary."""
