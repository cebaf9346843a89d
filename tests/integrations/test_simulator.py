"""The DVCQG simulator on its own: validation, tokens, failure injection, command line."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from typing import Any

import pytest

from motcua.integrations.simulator import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    PortalSimulator,
    run_simulator,
)

RECORD = {
    "MaHoSo": "H26.30-261121-0001",
    "MaTTHC": "1.001193",
    "MaDonViTiepNhan": "H26.30",
    "TrangThaiHoSo": 2,
    "KenhThucHien": 1,
    "NgayNopHoSo": "20261121085500",
    "NgayTiepNhan": "20261121093000",
    "NgayHenTra": None,
    "NgayKetThucXuLy": None,
    "NgayTra": None,
}


def call(
    url: str, body: Any = None, *, token: str | None = None, form: bool = False
) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"}
    data = None
    if body is not None:
        if form:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            data = "&".join(f"{k}={v}" for k, v in body.items()).encode()
        else:
            data = json.dumps(body).encode()
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=data, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def token_for(portal: PortalSimulator) -> str:
    status, answer = call(
        portal.url + "/token",
        {
            "grant_type": "client_credentials",
            "client_id": DEFAULT_CLIENT_ID,
            "client_secret": DEFAULT_CLIENT_SECRET,
        },
        form=True,
    )
    assert status == 200
    assert answer["token_type"] == "Bearer"
    return str(answer["access_token"])


@pytest.fixture
def portal() -> Any:
    with PortalSimulator() as simulator:
        yield simulator


def test_run_simulator_yields_the_base_url() -> None:
    with run_simulator() as url:
        assert url.startswith("http://127.0.0.1:")
        status, answer = call(url + "/")
        assert status == 200
        assert answer["simulator"] is True
        assert "not the real portal" in answer["note"]


def test_token_needs_the_right_credentials(portal: PortalSimulator) -> None:
    status, answer = call(
        portal.url + "/token",
        {"grant_type": "client_credentials", "client_id": DEFAULT_CLIENT_ID, "client_secret": "x"},
    )
    assert (status, answer["error"]) == (401, "invalid_client")
    status, answer = call(portal.url + "/token", {"grant_type": "password"})
    assert (status, answer["error"]) == (400, "unsupported_grant_type")


def test_calls_need_a_valid_bearer_token(portal: PortalSimulator) -> None:
    assert call(portal.url + "/hoso", RECORD)[0] == 401
    assert call(portal.url + "/hoso", RECORD, token="made-up")[0] == 401
    token = token_for(portal)
    assert call(portal.url + "/hoso", RECORD, token=token)[0] == 201
    assert call(portal.url + "/hoso", RECORD, token=token)[0] == 200  # replaced
    portal.revoke_tokens()
    assert call(portal.url + "/hoso", RECORD, token=token)[0] == 401


def test_records_are_validated(portal: PortalSimulator) -> None:
    token = token_for(portal)
    bad = {
        **RECORD,
        "MaTTHC": "1001193",
        "TrangThaiHoSo": 11,
        "KenhThucHien": 0,
        "NgayNopHoSo": "2026-11-21T08:55:00",
        "NgayTiepNhan": "20261131093000",
    }
    del bad["MaDonViTiepNhan"]
    status, answer = call(portal.url + "/hoso", bad, token=token)
    assert status == 400
    assert set(answer["errors"]) == {
        "MaTTHC",
        "TrangThaiHoSo",
        "KenhThucHien",
        "NgayNopHoSo",
        "NgayTiepNhan",
        "MaDonViTiepNhan",
    }
    assert portal.dossiers == {}
    assert call(portal.url + "/hoso", ["not", "an", "object"], token=token)[0] == 400


def test_status_and_progress_need_a_known_dossier(portal: PortalSimulator) -> None:
    token = token_for(portal)
    update = {"MaHoSo": RECORD["MaHoSo"], "TrangThaiHoSo": 4}
    entry = {
        "MaHoSo": RECORD["MaHoSo"],
        "NguoiXuLy": "Trần Bình",
        "ThoiDiemXuLy": "20261121100000",
        "PhongBanXuLy": "H26.30",
        "NoiDungXuLy": "Thẩm định",
        "TrangThai": 4,
    }
    assert call(portal.url + "/hoso/capnhattrangthai", update, token=token)[0] == 404
    assert call(portal.url + "/hoso/capnhattientrinh", entry, token=token)[0] == 404
    call(portal.url + "/hoso", RECORD, token=token)
    assert call(portal.url + "/hoso/capnhattrangthai", update, token=token)[0] == 200
    assert call(portal.url + "/hoso/capnhattientrinh", entry, token=token)[0] == 200
    status, answer = call(
        portal.url + "/hoso/capnhattientrinh", {**entry, "TrangThai": 0}, token=token
    )
    assert (status, list(answer["errors"])) == (400, ["TrangThai"])

    status, shown = call(portal.url + "/hoso/" + RECORD["MaHoSo"])
    assert status == 200
    assert shown["TrangThaiHoSo"] == 4
    assert shown["TienTrinh"] == [entry]


def test_fail_next_answers_503_then_recovers(portal: PortalSimulator) -> None:
    portal.fail_next(2)
    assert call(portal.url + "/")[0] == 503
    assert call(portal.url + "/token", {"grant_type": "client_credentials"})[0] == 503
    assert call(portal.url + "/")[0] == 200
    assert [r.status for r in portal.requests] == [503, 503, 200]


def test_unknown_paths_and_methods(portal: PortalSimulator) -> None:
    assert call(portal.url + "/nowhere", {})[0] == 404
    request = urllib.request.Request(portal.url + "/hoso", data=b"{}", method="PUT")  # noqa: S310
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(request, timeout=5)  # noqa: S310
    assert err.value.code == 405


def test_command_line_serves_until_interrupted() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "motcua.integrations.simulator", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        first_line = process.stdout.readline()
        assert "NOT the real portal" in first_line
        url = first_line.rsplit(" ", 1)[-1].strip()
        status, answer = call(url + "/")
        assert (status, answer["simulator"]) == (200, True)
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
