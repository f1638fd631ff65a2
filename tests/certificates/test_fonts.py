from __future__ import annotations

import pytest

from cecert.certificates.pdf import fonts


def test_default_font_is_found_and_registered():
    assert fonts.cjk_font_path().is_file()
    assert fonts.register_cjk_font() == fonts.CJK_FONT_NAME
    assert fonts.register_cjk_font() == fonts.CJK_FONT_NAME  # idempotent


def test_env_override_must_exist(monkeypatch, tmp_path):
    monkeypatch.setenv(fonts.FONT_ENV_VAR, str(tmp_path / "missing.ttf"))
    with pytest.raises(fonts.FontNotFoundError, match=fonts.FONT_ENV_VAR):
        fonts.cjk_font_path()


def test_env_override_wins(monkeypatch):
    path = fonts.cjk_font_path()
    monkeypatch.setenv(fonts.FONT_ENV_VAR, str(path))
    assert fonts.cjk_font_path() == path


def test_clear_error_names_the_debian_package(monkeypatch):
    monkeypatch.delenv(fonts.FONT_ENV_VAR, raising=False)
    monkeypatch.setattr(fonts, "CANDIDATES", ("/nonexistent/font.ttc",))
    with pytest.raises(fonts.FontNotFoundError, match="fonts-wqy-microhei"):
        fonts.cjk_font_path()
