from pathlib import Path

import pytest

from kiosk.domain.config import ConfigError, load_config


def test_defaults(tmp_path):
    config = load_config({}, env={}, config_file=None)
    assert config.reader == "auto" and config.lang == "zh-TW" and not config.demo
    assert config.inactivity == 120


def test_precedence_flags_over_env_over_file(tmp_path):
    file = tmp_path / "kiosk.toml"
    file.write_text('lang = "en"\nreader = "sim"\ninactivity = 30\nstaff_idle_minutes = 15\n')
    env = {"NHI_KIOSK_READER": "pcsc", "NHI_KIOSK_INACTIVITY": "45"}
    config = load_config({"inactivity": 60}, env=env, config_file=file)
    assert config.lang == "en"            # file
    assert config.reader == "pcsc"        # env beats file
    assert config.inactivity == 60        # flag beats env
    assert config.staff_idle_minutes == 15


@pytest.mark.parametrize("env", [{}, {"NHI_KIOSK_EXIT_PIN": "2468"}])
def test_the_retired_exit_pin_says_what_replaced_it(tmp_path, env):
    file = tmp_path / "kiosk.toml"
    file.write_text("" if env else 'exit_pin = "2468"\n')
    with pytest.raises(ConfigError, match="nhi-kiosk staff add"):
        load_config({}, env=env, config_file=file)


def test_config_file_from_environment(tmp_path):
    file = tmp_path / "k.toml"
    file.write_text(f'db = "{tmp_path / "x.json"}"\ndemo = true\n')
    config = load_config({}, env={"NHI_KIOSK_CONFIG": str(file)})
    assert config.db == Path(tmp_path / "x.json") and config.demo


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        ({"NHI_KIOSK_READER": "usb"}, "reader"),
        ({"NHI_KIOSK_LANG": "fr"}, "lang"),
        ({"NHI_KIOSK_INACTIVITY": "soon"}, "inactivity"),
        ({"NHI_KIOSK_INACTIVITY": "1"}, "at least"),
        ({"NHI_KIOSK_STAFF_IDLE_MINUTES": "90"}, "1 to 60"),
        ({"NHI_KIOSK_DEMO": "maybe"}, "true or false"),
        ({"NHI_KIOSK_QR_LOGIN_MINUTES": "30"}, "1 to 10 minutes"),
        ({"NHI_KIOSK_DEVICE_CODE_MINUTES": "0"}, "1 to 60 minutes"),
    ],
)
def test_bad_values_name_the_setting_and_source(env, fragment):
    with pytest.raises(ConfigError, match=fragment) as info:
        load_config({}, env=env)
    assert "$NHI_KIOSK_" in str(info.value)


def test_bad_file_is_a_clear_error(tmp_path):
    file = tmp_path / "bad.toml"
    file.write_text("lang = [")
    with pytest.raises(ConfigError, match="cannot be read"):
        load_config({}, env={}, config_file=file)
    with pytest.raises(ConfigError, match="does not exist"):
        load_config({}, env={}, config_file=tmp_path / "none.toml")
    file.write_text('colour = "blue"\n')
    with pytest.raises(ConfigError, match="unknown setting"):
        load_config({}, env={}, config_file=file)


# -- mail / SMTP settings -------------------------------------------------------------


def test_smtp_defaults():
    config = load_config({}, env={}, config_file=None)
    assert config.smtp_host is None and config.smtp_user is None
    assert config.smtp_port == 587 and config.smtp_starttls is True
    assert config.mail_from == "nhi-kiosk@localhost" and config.smtp_password is None


def test_smtp_settings_precedence(tmp_path):
    file = tmp_path / "kiosk.toml"
    file.write_text('smtp_host = "file.example.com"\nsmtp_port = 25\nsmtp_starttls = false\n'
                    'smtp_user = "file-user"\nmail_from = "NHI Kiosk <kiosk@example.com>"\n')
    env = {"NHI_KIOSK_SMTP_HOST": "env.example.com", "NHI_KIOSK_SMTP_STARTTLS": "yes"}
    config = load_config({"smtp_port": "2525"}, env=env, config_file=file)
    assert config.smtp_host == "env.example.com"       # env beats file
    assert config.smtp_starttls is True                  # env beats file
    assert config.smtp_port == 2525                      # flag beats file
    assert config.smtp_user == "file-user"
    assert config.mail_from == "NHI Kiosk <kiosk@example.com>"


def test_smtp_password_only_from_the_environment_and_never_shown(tmp_path):
    config = load_config({}, env={"NHI_KIOSK_SMTP_PASSWORD": "hunter2-secret"})
    assert config.smtp_password == "hunter2-secret"
    assert "hunter2-secret" not in repr(config) and "smtp_password" not in repr(config)

    file = tmp_path / "kiosk.toml"
    file.write_text('smtp_password = "file-secret"\n')
    with pytest.raises(ConfigError, match="NHI_KIOSK_SMTP_PASSWORD") as info:
        load_config({}, env={}, config_file=file)
    assert "file-secret" not in str(info.value)
    with pytest.raises(ConfigError, match="NHI_KIOSK_SMTP_PASSWORD") as info:
        load_config({"smtp_password": "flag-secret"}, env={})
    assert "flag-secret" not in str(info.value)


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        ({"NHI_KIOSK_SMTP_HOST": "mail example.com"}, "smtp_host"),
        ({"NHI_KIOSK_SMTP_PORT": "smtp"}, "smtp_port"),
        ({"NHI_KIOSK_SMTP_PORT": "70000"}, "1 to 65535"),
        ({"NHI_KIOSK_SMTP_STARTTLS": "sometimes"}, "true or false"),
        ({"NHI_KIOSK_MAIL_FROM": "kiosk"}, "mail_from"),
        ({"NHI_KIOSK_MAIL_FROM": "a@b.tw\r\nBcc: x@y.tw"}, "mail_from"),
    ],
)
def test_bad_smtp_values_name_the_setting_and_source(env, fragment):
    with pytest.raises(ConfigError, match=fragment) as info:
        load_config({}, env=env)
    assert "$NHI_KIOSK_" in str(info.value)


def test_smtp_port_from_file_must_be_a_number(tmp_path):
    file = tmp_path / "kiosk.toml"
    file.write_text("smtp_port = true\n")
    with pytest.raises(ConfigError, match="smtp_port"):
        load_config({}, env={}, config_file=file)
