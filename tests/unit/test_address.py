"""Taiwan address data and rules (kiosk.domain.address), without a terminal."""

import json
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

from kiosk.domain import address as addr
from kiosk.domain.address import Address, AddressError
from kiosk.domain.i18n import Catalog

ROOT = Path(__file__).resolve().parents[2]
SOURCE = Path("/work/shared/data")


def _district(county_name, district_name):
    county = addr.find_county(county_name)
    assert county is not None, county_name
    found = [d for d in addr.districts(county.code) if d.name == district_name]
    assert len(found) == 1, district_name
    return found[0]


def _village(district, name):
    found = [v for v in addr.villages(district.code) if v.name == name]
    assert len(found) == 1, name
    return found[0]


def _xingfu():
    district = _district("臺北市", "中正區")
    return Address(district.county, district, _village(district, "幸福里"), 12)


# -- the data --------------------------------------------------------------------------
def test_counts():
    counties = addr.counties()
    districts = [d for c in counties for d in addr.districts(c.code)]
    villages = [v for d in districts for v in addr.villages(d.code)]
    assert len(counties) == 22
    assert len(districts) == 368
    assert len(villages) == 7748
    assert len({c.code for c in counties}) == 22
    assert len({d.code for d in districts}) == 368
    assert len({v.code for v in villages}) == 7748


def test_every_entry_has_both_names_and_links_up():
    for county in addr.counties():
        assert county.name and county.name_en and len(county.code) == 5
        for district in addr.districts(county.code):
            assert district.county is county
            assert district.name and district.name_en
            assert len(district.postal_code) == 3 and district.postal_code.isdigit()
            assert district.code.startswith(county.code) and len(district.code) == 8
            for village in addr.villages(district.code):
                assert village.district is district
                assert village.code.startswith(district.code) and len(village.code) == 11
                assert village.name[-1] in "村里" and village.name_en.endswith(" Vil.")
                assert "[" not in village.name  # the Unicode spelling, not NLSC's [x] form


def test_english_county_names():
    names = {c.name: c.name_en for c in addr.counties()}
    assert names["臺北市"] == "Taipei City"
    assert names["新北市"] == "New Taipei City"
    assert names["連江縣"] == "Lienchiang County"
    assert names["金門縣"] == "Kinmen County"
    assert len(set(names.values())) == 22


def test_order_follows_postal_codes():
    counties = [c.name for c in addr.counties()]
    assert counties[:4] == ["臺北市", "基隆市", "新北市", "連江縣"]
    taipei = [d.name for d in addr.districts(addr.find_county("臺北市").code)]
    assert taipei[:3] == ["中正區", "大同區", "中山區"]
    for county in addr.counties():
        postal = [d.postal_code for d in addr.districts(county.code)]
        assert postal == sorted(postal)
    for district in addr.districts(addr.find_county("臺北市").code):
        codes = [v.code for v in addr.villages(district.code)]
        assert codes == sorted(codes)


def test_unknown_codes_give_nothing():
    assert addr.districts("99999") == []
    assert addr.villages("99999999") == []
    assert addr.by_code("12345") is None


def test_lookup_by_code():
    district = _district("臺北市", "中正區")
    assert addr.by_code("63000") is district.county
    assert addr.by_code("63000050") is district
    assert addr.by_code(_village(district, "幸福里").code).name == "幸福里"


def test_data_ships_in_the_package_and_is_small():
    data = resources.files("kiosk").joinpath("data", "address.json")
    raw = data.read_bytes()
    assert len(raw) < 600_000
    assert "臺北市" in raw.decode("utf-8")  # UTF-8, not \u escapes


def test_loaded_once():
    assert addr._index() is addr._index()


@pytest.mark.skipif(not (SOURCE / "tw_villages.csv").exists(), reason="source CSVs absent")
def test_build_script_reproduces_the_shipped_file(tmp_path):
    out = tmp_path / "address.json"
    subprocess.run([sys.executable, str(ROOT / "scripts" / "build_address_data.py"),
                    "--src", str(SOURCE), "--out", str(out)],
                   check=True, capture_output=True, timeout=60)
    shipped = ROOT / "kiosk" / "data" / "address.json"
    assert out.read_bytes() == shipped.read_bytes()
    assert json.loads(out.read_text("utf-8"))["counties"][0]["code"] == "09007"  # by code


# -- lookups ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["臺北市", "台北市", " 台北市 ", "Taipei City", "taipei city"])
def test_find_county_accepts_variants(name):
    county = addr.find_county(name)
    assert county is not None and county.name == "臺北市"


@pytest.mark.parametrize("name,wanted", [("台中市", "臺中市"), ("台南市", "臺南市"),
                                         ("台東縣", "臺東縣"), ("新竹縣", "新竹縣")])
def test_find_county_other_tai_variants(name, wanted):
    assert addr.find_county(name).name == wanted


@pytest.mark.parametrize("name", ["", "台北", "新竹", "Taipei", "東京都"])
def test_find_county_needs_a_whole_name(name):
    assert addr.find_county(name) is None


@pytest.mark.parametrize("county,district,postal", [
    ("臺北市", "中正區", "100"),
    ("基隆市", "中正區", "202"),
    ("新竹市", "東區", "300"),
    ("新竹市", "北區", "300"),
    ("新竹市", "香山區", "300"),
    ("嘉義市", "西區", "600"),
    ("高雄市", "前金區", "801"),
    ("連江縣", "南竿鄉", "209"),
    ("臺東縣", "蘭嶼鄉", "952"),
])
def test_postal_codes(county, district, postal):
    assert _district(county, district).postal_code == postal


# -- filtering ---------------------------------------------------------------------------
def test_empty_filter_keeps_everything_in_order():
    counties = addr.counties()
    assert addr.filter_options(counties, "") == counties
    assert addr.filter_options(counties, "   ") == counties


def test_filter_on_chinese_names_with_tai_variants():
    counties = addr.counties()
    assert [c.name for c in addr.filter_options(counties, "台北")] == ["臺北市"]
    assert [c.name for c in addr.filter_options(counties, "臺北")] == ["臺北市"]
    assert [c.name for c in addr.filter_options(counties, "台")] == \
        ["臺北市", "臺中市", "臺南市", "臺東縣"]
    assert [c.name for c in addr.filter_options(counties, "北")] == ["臺北市", "新北市"]
    assert [c.name for c in addr.filter_options(counties, "縣")][:2] == ["連江縣", "宜蘭縣"]
    assert addr.filter_options(counties, "東京") == []


def test_filter_on_english_names_ignores_case():
    counties = addr.counties()
    assert [c.name_en for c in addr.filter_options(counties, "TAIPEI")] == \
        ["Taipei City", "New Taipei City"]
    assert [c.name for c in addr.filter_options(counties, "kinmen")] == ["金門縣"]


def test_filter_puts_names_starting_with_the_text_first():
    counties = addr.counties()
    names = [c.name_en for c in addr.filter_options(counties, "tai")]
    assert names[:4] == ["Taipei City", "Taichung City", "Tainan City", "Taitung County"]
    assert names[4:] == ["New Taipei City"]


def test_filter_districts_by_postal_code():
    hsinchu = addr.districts(addr.find_county("新竹市").code)
    assert [d.name for d in addr.filter_options(hsinchu, "300")] == ["東區", "北區", "香山區"]
    taipei = addr.districts(addr.find_county("臺北市").code)
    assert [d.name for d in addr.filter_options(taipei, "104")] == ["中山區"]
    assert [d.name for d in addr.filter_options(taipei, "11")][:2] == ["信義區", "士林區"]


def test_filter_villages():
    district = _district("臺北市", "中正區")
    found = addr.filter_options(addr.villages(district.code), "幸")
    assert [v.name for v in found] == ["幸福里", "幸市里"]
    found = addr.filter_options(addr.villages(district.code), "xingfu")
    assert [v.name for v in found] == ["幸福里"]


def test_filter_accepts_full_width_text():
    taipei = addr.districts(addr.find_county("臺北市").code)
    assert [d.name for d in addr.filter_options(taipei, "１００")] == ["中正區"]


# -- neighbourhood -------------------------------------------------------------------------
@pytest.mark.parametrize("text,number", [("1", 1), ("12", 12), (" 7 ", 7), ("999", 999),
                                         ("012", 12), ("１２", 12)])
def test_parse_neighborhood(text, number):
    assert addr.parse_neighborhood(text) == number


@pytest.mark.parametrize("text,key", [
    ("0", "address.error.range"),
    ("000", "address.error.range"),
    ("1000", "address.error.range"),
    ("99999", "address.error.range"),
    ("ab", "address.error.digits"),
    ("12a", "address.error.digits"),
    ("-3", "address.error.digits"),
    ("1.5", "address.error.digits"),
    ("", "address.error.digits"),
    ("十二", "address.error.digits"),
])
def test_bad_neighborhood(text, key):
    with pytest.raises(AddressError) as caught:
        addr.parse_neighborhood(text)
    assert caught.value.key == key
    for lang in ("zh-TW", "en"):
        assert Catalog(lang).has(key)


# -- the address ---------------------------------------------------------------------------
def test_address_format_and_postal_code():
    address = _xingfu()
    assert address.postal_code == "100"
    assert address.format("zh-TW") == "臺北市中正區幸福里12鄰"
    assert address.format("en") == \
        "12th Neighborhood, Xingfu Vil., Zhongzheng District, Taipei City"


def test_address_format_hsinchu():
    district = _district("新竹市", "東區")
    village = addr.villages(district.code)[0]
    address = Address(district.county, district, village, 1)
    assert address.postal_code == "300"
    assert address.format("zh-TW") == f"新竹市東區{village.name}1鄰"
    assert address.format("en") == \
        f"1st Neighborhood, {village.name_en}, East District, Hsinchu City"


@pytest.mark.parametrize("n,text", [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"),
                                    (11, "11th"), (12, "12th"), (13, "13th"), (21, "21st"),
                                    (22, "22nd"), (101, "101st"), (111, "111th"),
                                    (112, "112th"), (120, "120th"), (121, "121st"),
                                    (122, "122nd"), (221, "221st"), (999, "999th")])
def test_ordinal(n, text):
    assert addr.ordinal(n) == text


def test_address_refuses_parts_that_do_not_belong_together():
    zhongzheng = _district("臺北市", "中正區")
    keelung = _district("基隆市", "中正區")
    village = _village(zhongzheng, "幸福里")
    with pytest.raises(AddressError) as caught:
        Address(keelung.county, keelung, village, 1)
    assert caught.value.key == "address.error.mismatch"
    with pytest.raises(AddressError):
        Address(zhongzheng.county, keelung, village, 1)


@pytest.mark.parametrize("n", [0, 1000, -1])
def test_address_refuses_bad_neighborhood(n):
    district = _district("臺北市", "中正區")
    with pytest.raises(AddressError) as caught:
        Address(district.county, district, _village(district, "幸福里"), n)
    assert caught.value.key == "address.error.range"


@pytest.mark.parametrize("n", [1, 999])
def test_an_address_takes_neighbourhoods_1_to_999(n):
    district = _district("臺北市", "中正區")
    address = Address(district.county, district, _village(district, "幸福里"), n)
    assert address.format("zh-TW") == f"臺北市中正區幸福里{n}鄰"


def test_an_address_error_carries_its_catalog_key_and_params():
    error = AddressError("address.error.range", min=1, max=999)
    assert (str(error), error.key, error.params) == (
        "address.error.range", "address.error.range", {"min": 1, "max": 999})


def test_addresses_compare_by_value():
    assert _xingfu() == _xingfu()
    assert hash(_xingfu()) == hash(_xingfu())
