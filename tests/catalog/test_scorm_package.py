"""SCORM packages read and checked: both versions' manifests, and malicious or broken packages refused with a
message that says why."""

from __future__ import annotations

import pytest

from saptah.catalog import scorm_package
from saptah.core.errors import InvalidInput, PayloadTooLarge
from tests.catalog import scorm_builder

MB = 1024 * 1024


def test_scorm_12_manifest_gives_title_items_launch_files_and_mastery():
    pkg = scorm_package.read(scorm_builder.build("1.2", title="Ethics", lessons=2, mastery=80), max_bytes=10 * MB)
    assert pkg.version == "1.2"
    assert pkg.title == "Ethics"
    assert [(s.id, s.title, s.href, s.mastery_score) for s in pkg.scos] == [
        ("item1", "Lesson 1", "lessons/1/index.html", 80.0),
        ("item2", "Lesson 2", "lessons/2/index.html", 80.0),
    ]
    assert set(pkg.files) == {"imsmanifest.xml", "sco.js", "lessons/1/index.html", "lessons/2/index.html"}


def test_scorm_2004_manifest_gives_scaled_passing_score():
    pkg = scorm_package.read(scorm_builder.build("2004", title="RTI", mastery=0.7), max_bytes=10 * MB)
    assert pkg.version == "2004"
    assert pkg.title == "RTI"
    assert pkg.scos[0].mastery_score == 0.7
    assert pkg.scos[0].href == "lessons/1/index.html"


def test_item_parameters_and_resource_base_make_the_launch_address():
    manifest = scorm_builder.MANIFEST_12.format(
        title="P",
        items='<item identifier="i1" identifierref="r1" parameters="?page=3"><title>One</title></item>',
        resources='<resource identifier="r1" adlcp:scormtype="sco" xml:base="lessons/" href="a.html"/>',
    )
    data = scorm_builder.zip_of({"imsmanifest.xml": manifest, "lessons/a.html": "<p>a</p>", "sco.js": ""})
    pkg = scorm_package.read(data, max_bytes=MB)
    assert pkg.scos[0].href == "lessons/a.html?page=3"


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("../../etc/evil.html", "zip slip"),
        ("lessons/../../evil.html", "zip slip"),
        ("/etc/passwd", "absolute path"),
        ("C:/Windows/evil.dll", "absolute path"),
        ("lessons\\..\\evil.html", "backslash"),
    ],
)
def test_entries_that_could_escape_are_refused(name, says):
    with pytest.raises(InvalidInput, match=says):
        scorm_package.read(scorm_builder.with_extra("1.2", name), max_bytes=10 * MB)


def test_a_zip_bomb_is_refused_before_it_is_inflated():
    with pytest.raises(InvalidInput, match="zip bomb"):
        scorm_package.read(scorm_builder.bomb(megabytes=20), max_bytes=100 * MB)


def test_a_package_larger_than_allowed_unpacked_is_refused():
    with pytest.raises(PayloadTooLarge, match="more than 1 MB"):
        scorm_package.read(scorm_builder.with_extra("2004", "big.bin", bytes(range(256)) * 8000), max_bytes=MB)


def test_a_symbolic_link_is_refused():
    with pytest.raises(InvalidInput, match="symbolic link"):
        scorm_package.read(scorm_builder.with_symlink(), max_bytes=10 * MB)


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"not a zip at all", "not a zip archive"),
        (scorm_builder.zip_of({"index.html": "<p>hi</p>"}), "no imsmanifest.xml"),
        (scorm_builder.with_manifest("<manifest><organizations>"), "not well-formed"),
        (
            scorm_builder.with_manifest(
                '<?xml version="1.0"?><!DOCTYPE m [<!ENTITY x "boom">]><manifest>&x;</manifest>'
            ),
            "DTDs or entities",
        ),
        (scorm_builder.with_manifest("<manifest><organizations/><resources/></manifest>"), "no <organization>"),
        (scorm_builder.with_manifest("<package/>"), "<manifest>"),
        (
            scorm_builder.with_manifest(
                '<manifest><organizations><organization identifier="o"><title>T</title>'
                '<item identifier="i" identifierref="missing"><title>I</title></item></organization></organizations>'
                "<resources/></manifest>"
            ),
            "does not define",
        ),
        (
            scorm_builder.with_manifest(
                '<manifest><organizations><organization identifier="o"><title>T</title>'
                '<item identifier="i" identifierref="r"><title>I</title></item></organization></organizations>'
                '<resources><resource identifier="r" href="nowhere.html"/></resources></manifest>'
            ),
            "not in the package",
        ),
        (
            scorm_builder.with_manifest(
                '<manifest><organizations><organization identifier="o"><title>T</title>'
                '<item identifier="i" identifierref="r"><title>I</title></item></organization></organizations>'
                '<resources><resource identifier="r" href="https://elsewhere.example.org/x.html"/></resources>'
                "</manifest>"
            ),
            "no launch file inside the package",
        ),
        (
            scorm_builder.with_manifest(
                '<manifest><organizations><organization identifier="o"><title>T</title>'
                '<item identifier="i" identifierref="r"><title>I</title></item></organization></organizations>'
                '<resources><resource identifier="r" href="../outside.html"/></resources></manifest>'
            ),
            "zip slip",
        ),
    ],
)
def test_bad_packages_and_manifests_are_refused_with_the_reason(data, says):
    with pytest.raises(InvalidInput, match=says):
        scorm_package.read(data, max_bytes=10 * MB)


def test_content_types_are_fixed_by_extension():
    assert scorm_package.content_type_of("lessons/1/index.html") == "text/html; charset=utf-8"
    assert scorm_package.content_type_of("sco.js") == "text/javascript; charset=utf-8"
    assert scorm_package.content_type_of("img/logo.PNG") == "image/png"
    assert scorm_package.content_type_of("data/unknown.xyz") == "application/octet-stream"
    assert scorm_package.content_type_of("Makefile") == "application/octet-stream"
