"""Security identifiers: one canonical id, and the spellings each data vendor wants.

The canonical id is the exchange's ISO 10383 MIC and the local code, ``XSHG:600118``. Vendors
spell the same security differently:

=====================  ==============  ==============  ===========
security               canonical       Yahoo           Eastmoney
=====================  ==============  ==============  ===========
China Satellite        XSHG:600118     600118.SS       1.600118
Sanhua (Shenzhen)      XSHE:002050     002050.SZ       0.002050
China Mobile (HK)      XHKG:0941       0941.HK         116.00941
JinkoSolar ADS (NYSE)  XNYS:JKS        JKS             106.JKS
CSI 300 index          XSHG:000300     000300.SS       1.000300
Hang Seng index        XHKG:HSI        ^HSI            100.HSI
S&P 500 index          XNYS:GSPC       ^GSPC           100.SPX
=====================  ==============  ==============  ===========

Eastmoney numbers its markets (``1`` Shanghai, ``0`` Shenzhen, ``116`` Hong Kong, ``105``
NASDAQ, ``106`` NYSE, ``100`` global indices) and pads Hong Kong codes to five digits; Yahoo pads
them to four. Indices have no local code of their own at Yahoo, hence the ``^`` names.

People type other spellings still: bare codes (``600118``, ``00941``), exchange prefixes
(``sh600118``, ``hk00941``), other suffixes (``600118.SH``, ``600118.XSHG``) and Eastmoney's
``1.600118``. :func:`spellings` lists the canonical ids such a text may mean, most likely first:
a bare ``000xxx`` is a Shenzhen code or a Shanghai index (``000300``), a bare US ticker NYSE or
NASDAQ, so the caller decides with what it holds (:func:`tracker.markets.registry.resolve`).

Trading calendars come from ``exchange_calendars``, which has no Shenzhen calendar: Shenzhen keeps
the same sessions and holidays as Shanghai, so ``XSHE`` trades on ``XSHG``.
"""

from __future__ import annotations

import re

#: Yahoo's suffix for each MIC (US listings have none).
_YAHOO_SUFFIX = {"XSHG": ".SS", "XSHE": ".SZ", "XHKG": ".HK", "XNYS": "", "XNAS": ""}
_SUFFIX_MIC = {suffix: mic for mic, suffix in _YAHOO_SUFFIX.items() if suffix}

#: Indices whose vendor names are not derived from a local code: canonical -> (Yahoo, Eastmoney).
_INDICES = {
    "XHKG:HSI": ("^HSI", "100.HSI"),
    "XNYS:GSPC": ("^GSPC", "100.SPX"),
}
_YAHOO_INDEX = {yahoo: canon for canon, (yahoo, _) in _INDICES.items()}

_EASTMONEY_MARKET = {"XSHG": "1", "XSHE": "0", "XHKG": "116", "XNAS": "105", "XNYS": "106"}

#: exchange_calendars name of each MIC's trading calendar.
CALENDARS = {"XSHG": "XSHG", "XSHE": "XSHG", "XHKG": "XHKG", "XNYS": "XNYS", "XNAS": "XNAS"}


class UnknownSymbol(ValueError):
    """A symbol or MIC this module cannot map; the message says which and what is accepted."""


class AmbiguousSymbol(UnknownSymbol):
    """A spelling that names more than one security; ``choices`` are their canonical ids."""

    def __init__(self, message: str, choices: list[str]) -> None:
        super().__init__(message)
        self.choices = choices


def canonical(mic: str, code: str) -> str:
    """``XSHG`` + ``600118`` -> ``XSHG:600118``; the MIC must be one we have a calendar for."""
    mic = mic.upper()
    if mic not in CALENDARS:
        raise UnknownSymbol(f"unknown exchange {mic!r}: expected one of {', '.join(CALENDARS)}")
    return f"{mic}:{code.strip().upper()}"


def split(security: str) -> tuple[str, str]:
    """``XSHG:600118`` -> (``XSHG``, ``600118``)."""
    mic, sep, code = security.partition(":")
    if not sep or mic not in CALENDARS or not code:
        raise UnknownSymbol(f"{security!r} is not a canonical id such as XSHG:600118")
    return mic, code


#: Exchange prefixes and suffixes people and vendors write: ``sh600118``, ``600118.SH``.
_PREFIX_MIC = {"SH": "XSHG", "SZ": "XSHE", "HK": "XHKG"}
_ANY_SUFFIX_MIC = {**{s.lstrip("."): m for s, m in _SUFFIX_MIC.items()}, "SH": "XSHG", **{m: m for m in CALENDARS}}
_EASTMONEY_MIC = {market: mic for mic, market in _EASTMONEY_MARKET.items()}


def spellings(text: str) -> list[str]:
    """The canonical ids ``text`` may mean, most likely first (see the module docstring):
    ``600118``, ``sh600118``, ``600118.SH``/``.SS``/``.XSHG``, ``XSHG:600118``, ``1.600118`` ->
    ``[XSHG:600118]``; ``0941.HK``, ``00941``, ``hk00941`` -> ``[XHKG:0941]``; ``000300`` ->
    ``[XSHE:000300, XSHG:000300]``; ``JKS`` -> ``[XNYS:JKS, XNAS:JKS]``. :class:`UnknownSymbol`
    for a text no rule reads."""
    text = text.strip()
    upper = text.upper()
    if ":" in upper:
        return [canonical(*split(upper))]
    if upper in _YAHOO_INDEX:
        return [_YAHOO_INDEX[upper]]
    if m := re.fullmatch(r"(SH|SZ|HK)(\d{1,6})", upper):
        mic = _PREFIX_MIC[m[1]]
        return [canonical(mic, _pad_hk(mic, m[2], 4))]
    if m := re.fullmatch(r"([0-9A-Z]+)\.([A-Z]+)", upper):
        if m[2] in _ANY_SUFFIX_MIC:
            mic = _ANY_SUFFIX_MIC[m[2]]
            return [canonical(mic, _pad_hk(mic, m[1], 4))]
    if m := re.fullmatch(r"(\d{1,3})\.([0-9A-Z]+)", upper):
        if m[1] in _EASTMONEY_MIC:
            mic = _EASTMONEY_MIC[m[1]]
            return [canonical(mic, _pad_hk(mic, m[2], 4))]
    if re.fullmatch(r"\d{6}", upper):
        if upper.startswith("000"):  # a Shenzhen share, or a Shanghai index (000300 CSI 300)
            return [canonical("XSHE", upper), canonical("XSHG", upper)]
        if upper[0] in "659":
            return [canonical("XSHG", upper)]
        if upper[0] in "0123":
            return [canonical("XSHE", upper)]
    if re.fullmatch(r"\d{1,5}", upper):
        return [canonical("XHKG", _pad_hk("XHKG", upper, 4))]
    if re.fullmatch(r"[A-Z][A-Z0-9-]{0,9}", upper):
        return [canonical("XNYS", upper), canonical("XNAS", upper)]
    raise UnknownSymbol(
        f"cannot read {text!r} as a security: write it as 600118, sh600118, 600118.SH, 600118.SS, XSHG:600118, "
        "0941.HK, 00941, hk00941 or a US ticker such as JKS"
    )


def parse(text: str, us_mic: str = "XNYS") -> str:
    """A canonical id from any spelling :func:`spellings` reads; a bare US ticker is on
    ``us_mic``. :class:`AmbiguousSymbol` for a bare code of two exchanges (``000300``),
    :class:`UnknownSymbol` for anything else, such as ``XSHG:`` without a code."""
    found = spellings(text)
    if len(found) > 1 and all(f.startswith(("XNYS:", "XNAS:")) for f in found):
        return canonical(us_mic, split(found[0])[1])
    if len(found) > 1:
        raise AmbiguousSymbol(f"{text.strip()!r} may be {' or '.join(found)}: write one of them", found)
    return found[0]


def calendar_of(security: str) -> str:
    """The exchange_calendars name of the calendar a security trades on (Shenzhen -> XSHG)."""
    return CALENDARS[split(security)[0]]


def _pad_hk(mic: str, code: str, width: int) -> str:
    """A numeric Hong Kong code zero-padded to ``width`` digits (Yahoo 4, Eastmoney 5); others as given."""
    return f"{int(code):0{width}d}" if mic == "XHKG" and code.isdigit() else code


def to_yahoo(security: str) -> str:
    """``XSHG:600118`` -> ``600118.SS``; ``XHKG:0941`` -> ``0941.HK``; ``XNYS:JKS`` -> ``JKS``."""
    if security in _INDICES:
        return _INDICES[security][0]
    mic, code = split(security)
    return _pad_hk(mic, code, 4) + _YAHOO_SUFFIX[mic]


def from_yahoo(symbol: str, us_mic: str = "XNYS") -> str:
    """``600118.SS`` -> ``XSHG:600118``. A bare US ticker cannot say NYSE or NASDAQ: ``us_mic``."""
    symbol = symbol.strip().upper()
    if symbol in _YAHOO_INDEX:
        return _YAHOO_INDEX[symbol]
    stem, dot, suffix = symbol.rpartition(".")
    if dot and "." + suffix in _SUFFIX_MIC:
        mic = _SUFFIX_MIC["." + suffix]
        return canonical(mic, _pad_hk(mic, stem, 4))
    if symbol.startswith("^") or "." in symbol or not symbol:
        raise UnknownSymbol(f"cannot map Yahoo symbol {symbol!r} to an exchange (known suffixes: .SS .SZ .HK, or a bare US ticker)")
    return canonical(us_mic, symbol)


def to_eastmoney(security: str) -> str:
    """``XSHG:600118`` -> ``1.600118``; ``XHKG:0941`` -> ``116.00941``; ``XNYS:JKS`` -> ``106.JKS``."""
    if security in _INDICES:
        return _INDICES[security][1]
    mic, code = split(security)
    return f"{_EASTMONEY_MARKET[mic]}.{_pad_hk(mic, code, 5)}"
