from pathlib import Path

import pytest

from kiosk.domain.config import ConfigError, load_config


def test_defaults(tmp_path):
    config = load_config({}, env={}, config_file=None)
    assert config.reader == "auto" and config.lang == "zh-TW" and not config.demo
    assert config.inactivity == 120


def test_precedence_flags_over_env_over_file(tmp_path):
    file = tmp_path / "kiosk.toml"
    file.write_text('lang = "en"\nreader = "sim"\ninactivity = 30\nexit_pin = "1234"\n')
    env = {"NHI_KIOSK_READER": "pcsc", "NHI_KIOSK_INACTIVITY": "45"}
    config = load_config({"inactivity": 60}, env=env, config_file=file)
    assert config.lang == "en"            # file
    assert config.reader == "pcsc"        # env beats file
    assert config.inactivity == 60        # flag beats env
    assert config.exit_pin == "1234"


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
        ({"NHI_KIOSK_EXIT_PIN": "12ab"}, "digits"),
        ({"NHI_KIOSK_DEMO": "maybe"}, "true or false"),
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
