"""The dev server's error reports: a client that went away is quiet; real errors keep detail."""

from __future__ import annotations

import logging
import ssl

from recall_assistant.ops.devserver import log_server_error


def test_a_client_that_went_away_is_a_debug_line(caplog):
    caplog.set_level(logging.DEBUG, logger="recall_assistant.ops.devserver")
    try:
        raise ssl.SSLEOFError(8, "EOF occurred in violation of protocol")
    except ssl.SSLError:
        log_server_error("Error in HTTPServer.serve", level=40, traceback=True)
    assert [r.levelno for r in caplog.records] == [logging.DEBUG]
    assert caplog.records[0].exc_info is None  # no traceback on the console


def test_a_dropped_handshake_is_a_debug_line(caplog):
    caplog.set_level(logging.DEBUG, logger="recall_assistant.ops.devserver")
    log_server_error("Client ('127.0.0.1', 1) lost — peer dropped the TLS connection suddenly")
    assert [r.levelno for r in caplog.records] == [logging.DEBUG]


def test_any_other_error_keeps_its_traceback(caplog):
    caplog.set_level(logging.DEBUG, logger="recall_assistant.ops.devserver")
    try:
        raise ValueError("a bug")
    except ValueError:
        log_server_error("Error in HTTPServer.serve", level=40, traceback=True)
    (record,) = caplog.records
    assert record.levelno == logging.ERROR
    assert record.exc_info is not None and record.exc_info[0] is ValueError
