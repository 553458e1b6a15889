"""Every setting's accepted range, on both sides, and the message that names the setting,
where it came from and what was wrong."""

from pathlib import Path

import pytest

from kiosk.domain.config import Config, ConfigError, load_config
from kiosk.domain.store_address import PostgresAddress


def env_config(**values: str) -> Config:
    return load_config({}, env={f"NHI_KIOSK_{k.upper()}": v for k, v in values.items()})


def env_refusal(name: str, value: str) -> str:
    with pytest.raises(ConfigError) as info:
        env_config(**{name: value})
    return str(info.value)


def file_config(tmp_path, text: str) -> tuple[Path, Config]:
    file = tmp_path / "kiosk.toml"
    file.write_text(text, "utf-8")
    return file, load_config({}, env={}, config_file=file)


def test_a_refusal_names_the_setting_the_source_the_value_and_the_rule():
    assert env_refusal("reader", "usb") == \
        "reader from $NHI_KIOSK_READER: 'usb' is not usable (choose one of auto, pcsc, sim)"
    assert env_refusal("lang", "fr") == \
        "lang from $NHI_KIOSK_LANG: 'fr' is not usable (choose one of zh-TW, en)"
    with pytest.raises(ConfigError) as info:
        load_config({"staff_idle_minutes": 0}, env={})
    assert str(info.value) == ("staff_idle_minutes from --staff-idle-minutes: 0 is not usable "
                               "(must be 1 to 60 minutes)")


def test_a_value_from_the_file_names_the_file(tmp_path):
    file = tmp_path / "kiosk.toml"
    file.write_text('lang = "fr"\n')
    with pytest.raises(ConfigError) as info:
        load_config({}, env={}, config_file=file)
    assert str(info.value) == f"lang from {file}: 'fr' is not usable (choose one of zh-TW, en)"
    file.write_text('colour = "blue"\n')
    with pytest.raises(ConfigError) as info:
        load_config({}, env={}, config_file=file)
    assert str(info.value) == f"unknown setting 'colour' in {file}"
    file.write_text('exit_pin = "1234"\n')
    with pytest.raises(ConfigError) as info:
        load_config({}, env={}, config_file=file)
    assert str(info.value).startswith(f"exit_pin in {file}: the exit PIN was replaced")


def test_a_missing_or_unreadable_file_names_the_file(tmp_path):
    missing = tmp_path / "none.toml"
    with pytest.raises(ConfigError) as info:
        load_config({}, env={}, config_file=missing)
    assert str(info.value) == f"config file {missing} does not exist"
    with pytest.raises(ConfigError) as info:
        load_config({}, env={}, config_file=tmp_path)       # a folder, not a file
    assert str(info.value).startswith(f"config file {tmp_path} cannot be read: ")


@pytest.mark.parametrize("reader", ["auto", "pcsc", "sim"])
def test_each_reader_is_accepted(reader):
    assert env_config(reader=reader).reader == reader


@pytest.mark.parametrize("lang", ["zh-TW", "en"])
def test_each_language_is_accepted(lang):
    assert env_config(lang=lang).lang == lang


@pytest.mark.parametrize("name", ["db", "photo_dir", "batch_dir"])
def test_paths_may_start_at_the_home_folder(name):
    assert getattr(env_config(**{name: "~/kiosk/x"}), name) == Path.home() / "kiosk" / "x"


@pytest.mark.parametrize("name", ["demo", "smtp_starttls"])
@pytest.mark.parametrize(("text", "meant"), [
    ("1", True), ("true", True), (" Yes ", True), ("ON", True),
    ("0", False), ("false", False), ("No", False), ("off", False),
])
def test_switches_read_the_usual_words(name, text, meant):
    assert getattr(env_config(**{name: text}), name) is meant


@pytest.mark.parametrize("name", ["demo", "smtp_starttls"])
def test_switches_take_toml_booleans_and_an_empty_flag_is_off(tmp_path, name):
    assert getattr(file_config(tmp_path, f"{name} = true\n")[1], name) is True
    assert getattr(file_config(tmp_path, f"{name} = false\n")[1], name) is False
    assert getattr(load_config({name: ""}, env={}), name) is False
    assert env_refusal(name, "maybe").endswith("'maybe' is not usable (expected true or false)")


def test_inactivity_of_5_seconds_is_accepted_and_less_refused():
    assert env_config(inactivity="5").inactivity == 5.0
    assert env_refusal("inactivity", "4.9").endswith("(must be at least 5 seconds)")


@pytest.mark.parametrize(("name", "high"), [
    ("device_code_minutes", 60), ("qr_login_minutes", 10), ("staff_idle_minutes", 60)])
def test_minutes_are_accepted_from_1_to_the_limit_and_refused_outside(name, high):
    assert getattr(env_config(**{name: "1"}), name) == 1.0
    assert getattr(env_config(**{name: str(high)}), name) == float(high)
    for outside in ("0.9", f"{high}.1"):
        assert env_refusal(name, outside).endswith(f"(must be 1 to {high} minutes)"), outside


def test_the_smtp_host_is_trimmed_and_a_name_with_a_blank_slash_or_at_is_refused():
    assert env_config(smtp_host=" mail.example.com ").smtp_host == "mail.example.com"
    for bad in ("mail example.com", "mail/example.com", "user@mail.example.com", "  "):
        assert env_refusal("smtp_host", bad).endswith(
            "(expected a host name or IP address)"), bad


def test_smtp_ports_1_and_65535_are_accepted_and_0_and_65536_refused(tmp_path):
    assert env_config(smtp_port="1").smtp_port == 1
    assert env_config(smtp_port=" 65535 ").smtp_port == 65535
    for bad in ("0", "65536"):
        assert env_refusal("smtp_port", bad).endswith("(must be 1 to 65535)"), bad
    file = tmp_path / "kiosk.toml"
    file.write_text("smtp_port = true\n")
    with pytest.raises(ConfigError) as info:
        load_config({}, env={}, config_file=file)
    assert str(info.value).endswith("True is not usable (expected a port number)")


def test_the_smtp_user_is_trimmed_and_a_blank_or_multi_line_one_refused():
    assert env_config(smtp_user=" clerk ").smtp_user == "clerk"
    for bad in ("  ", "clerk\nBcc: x@y.tw", "cl\rerk"):
        assert env_refusal("smtp_user", bad).endswith("(expected a user name)"), bad


def test_the_sender_is_trimmed_and_must_hold_one_usable_address():
    assert env_config(mail_from=" kiosk@example.com ").mail_from == "kiosk@example.com"
    assert env_config(mail_from="NHI Kiosk <kiosk@localhost>").mail_from == \
        "NHI Kiosk <kiosk@localhost>"
    for bad in ("kiosk", "kiosk@", "@example.com", "kiosk@.example.com", "a b@example.com",
                "kiosk@exa\rmple.com"):
        assert env_refusal("mail_from", bad).endswith(
            "(expected an address like kiosk@example.com or "
            "'NHI Kiosk <kiosk@example.com>')"), bad


def test_the_smtp_password_from_a_flag_says_where_secrets_come_from():
    with pytest.raises(ConfigError) as info:
        load_config({"smtp_password": "x"}, env={})
    assert str(info.value) == ("smtp_password from --smtp-password: secrets are read only "
                               "from $NHI_KIOSK_SMTP_PASSWORD")


def test_flags_not_given_and_empty_environment_values_change_nothing():
    config = load_config({"lang": None, "reader": None}, env={"NHI_KIOSK_LANG": "",
                                                              "NHI_KIOSK_CONFIG": ""})
    assert config == Config()


def test_the_process_environment_is_read_when_none_is_given(monkeypatch):
    monkeypatch.setenv("NHI_KIOSK_LANG", "en")
    assert load_config({}).lang == "en"


def test_the_config_file_in_the_platform_folder_is_read_when_there_is_one(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert load_config({}, env={}).lang == "zh-TW"          # no file there yet
    folder = tmp_path / "nhi-kiosk"
    folder.mkdir()
    (folder / "config.toml").write_text('lang = "en"\n')
    assert load_config({}, env={}).lang == "en"
    other = tmp_path / "other.toml"
    other.write_text('reader = "sim"\n')
    assert load_config({}, env={"NHI_KIOSK_CONFIG": str(other)}) == Config(reader="sim")


def test_capital_letters_are_fine_in_the_smtp_host_user_and_sender():
    config = env_config(smtp_host="MX1.EXAMPLE.COM", smtp_user="XAVIER",
                        mail_from="XX Kiosk <XX@EXAMPLE.COM>")
    assert (config.smtp_host, config.smtp_user, config.mail_from) == (
        "MX1.EXAMPLE.COM", "XAVIER", "XX Kiosk <XX@EXAMPLE.COM>")


# -- the store's address: a PostgreSQL database is never taken for a file path ----------------

@pytest.mark.parametrize("value", [
    "postgresql://kiosk@db.example.tw/kiosk",
    "postgres:///kiosk",
    "POSTGRESQL://counter-1/kiosk?sslmode=require",
    "host=/run/postgresql dbname=kiosk",
    "dbname = kiosk  user=counter application_name='nhi kiosk'",
    "service=kiosk",
])
def test_a_postgresql_address_names_a_database_and_never_a_folder(value, tmp_path,
                                                                    monkeypatch):
    monkeypatch.chdir(tmp_path)
    for config in (load_config({"db": value}, env={}), env_config(db=value)):
        assert config.db == PostgresAddress(value.strip())
    assert list(tmp_path.iterdir()) == []          # no postgresql: folder, nothing made


@pytest.mark.parametrize("value", [
    "postgresql://kiosk:s3cret@db.example.tw/kiosk",
    "postgresql://db.example.tw/kiosk?password=s3cret",
    "host=db.example.tw password=s3cret dbname=kiosk",
    "host=db.example.tw sslpassword='s3cret' dbname=kiosk",
])
def test_a_password_in_the_store_address_is_refused_without_repeating_it(value):
    for source, refusal in (("--db", flag_refusal("db", value)),
                            ("$NHI_KIOSK_DB", env_refusal("db", value))):
        assert refusal.startswith(f"db from {source} names a PostgreSQL database, but it "
                                  "holds a ")
        assert "PGPASSWORD, ~/.pgpass or a service file" in refusal
        assert "s3cret" not in refusal


@pytest.mark.parametrize("value", ["/srv/kiosk/a=b.json", "data/dbname=kiosk.json",
                                   "kiosk.json", "host=", "user=a b.json", "~/postgres.json"])
def test_a_path_that_merely_looks_like_an_address_is_a_path(value):
    assert load_config({"db": value}, env={}).db == Path(value).expanduser()


def flag_refusal(name: str, value: str) -> str:
    with pytest.raises(ConfigError) as info:
        load_config({name: value}, env={})
    return str(info.value)


def test_a_reader_name_comes_from_the_flag_the_environment_or_the_file(tmp_path):
    assert Config().reader_name is None                          # every reader
    assert env_config(reader_name=" Virtual PCD 00 01 ").reader_name == "Virtual PCD 00 01"
    assert load_config({"reader_name": "ACS ACR39U 00 00"}, env={}).reader_name \
        == "ACS ACR39U 00 00"
    _file, config = file_config(tmp_path, 'reader_name = "Virtual PCD 00 01"\n')
    assert config.reader_name == "Virtual PCD 00 01"


@pytest.mark.parametrize("value", ["   ", "x" * 129, "Virtual\nPCD", "PCD\x1b[31m"])
def test_a_reader_name_that_pcsc_cannot_have_is_refused(value):
    assert "reader_name from $NHI_KIOSK_READER_NAME" in env_refusal("reader_name", value)
