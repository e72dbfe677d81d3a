"""The licence knowledge base and SPDX expressions, without a database."""

from __future__ import annotations

import pytest
from license_expression import get_spdx_licensing

from tracker.db.models import License
from tracker.registry import licenses
from tracker.values.errors import InvalidValue

REQUIRED = {
    *(f"CC-{v}-{n}" for v in ("BY", "BY-SA", "BY-NC", "BY-ND", "BY-NC-SA", "BY-NC-ND")
      for n in ("2.0", "3.0", "4.0")),
    "CC0-1.0", "ODC-By-1.0", "ODbL-1.0", "PDDL-1.0", "CDLA-Permissive-1.0",
    "CDLA-Permissive-2.0", "CDLA-Sharing-1.0", "C-UDA-1.0", "MIT", "Apache-2.0",
    "BSD-2-Clause", "BSD-3-Clause", "GPL-2.0-only", "GPL-3.0-only", "AGPL-3.0-only",
    "LGPL-3.0-only", "LicenseRef-Unknown", "LicenseRef-Other",
}


@pytest.fixture(scope="module")
def kb() -> list[License]:
    return [License(**vars(t)) for t in licenses.builtin_terms()]


def test_seed_covers_the_required_licences(kb: list[License]) -> None:
    keys = {lic.key for lic in kb}
    assert REQUIRED <= keys
    assert sum(1 for k in keys if "OpenRAIL" in k or "RAIL" in k) >= 4


def test_spdx_ids_are_spelled_as_spdx_does(kb: list[License]) -> None:
    spdx = get_spdx_licensing()
    for lic in kb:
        if not lic.key.startswith("LicenseRef-"):
            assert spdx.parse(lic.key, validate=True, strict=True).render() == lic.key


def test_terms_follow_the_licence_texts(kb: list[License]) -> None:
    by_key = {lic.key: lic for lic in kb}
    assert by_key["CC-BY-NC-4.0"].commercial_use == "no"
    assert by_key["CC-BY-SA-4.0"].share_alike
    assert by_key["CC-BY-ND-4.0"].no_derivatives
    assert by_key["ODbL-1.0"].share_alike
    assert not by_key["CC0-1.0"].attribution
    assert by_key["LicenseRef-OpenRAIL-M"].restricts_models
    assert by_key["LicenseRef-Llama-2-Community"].restricts_outputs


def test_expressions_are_normalized(kb: list[License]) -> None:
    assert licenses.normalize_expression("cc-by-4.0 and mit", kb) == "CC-BY-4.0 AND MIT"
    assert licenses.normalize_expression("unknown", kb) == "LicenseRef-Unknown"
    assert licenses.normalize_expression(
        "GPL-2.0-or-later WITH Classpath-exception-2.0", kb
    ) == "GPL-2.0-or-later WITH Classpath-exception-2.0"


def test_unknown_id_gets_a_suggestion(kb: list[License]) -> None:
    with pytest.raises(InvalidValue) as err:
        licenses.normalize_expression("CC-BY-NC-4", kb, "license")
    assert str(err.value) == "license: unknown licence id (did you mean CC-BY-NC-4.0?) " \
                             "(got 'CC-BY-NC-4')"


@pytest.mark.parametrize("expression", ["MIT AND", "(MIT", "MIT OR OR Apache-2.0", "AND"])
def test_malformed_expressions(kb: list[License], expression: str) -> None:
    with pytest.raises(InvalidValue, match="license: is not a valid SPDX expression"):
        licenses.normalize_expression(expression, kb, "license")
