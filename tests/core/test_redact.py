from bot.core.redact import REDACTED, redact


def test_known_secret_values_are_removed():
    cleaned = redact("token is s3cr3t-value!", known_secrets=["s3cr3t-value"])
    assert cleaned == f"token is {REDACTED}!"


def test_credential_patterns_are_removed():
    text = (
        "ghp_" + "a" * 36 + " AKIA" + "B" * 16 + "\n"
        "API_KEY=abcdef123456\npassword: 'hunter2hunter2'\n"
        "Authorization: Bearer abcdefghijklmnopqrstuvwxyz\n"
        "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----"
    )
    cleaned = redact(text)
    for secret in ("ghp_", "AKIA", "abcdef123456", "hunter2", "abcdefghijklmnop", "MIIE"):
        assert secret not in cleaned
    assert "API_KEY=" in cleaned


def test_ordinary_code_is_left_alone():
    code = "def total(prices):\n    tokens = split(text)\n    return sum(prices)\n"
    assert redact(code) == code
