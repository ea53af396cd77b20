"""Bulk Greeks: price and all five Greeks of 1e6 options vs py_vollib_vectorized and QuantLib.

Ours: ``agent.risk.black.option_greeks`` on 1e6 random options (output arrays allocated
on every call, as the peers do). py_vollib_vectorized 0.1.1: ``get_all_greeks`` plus
``vectorized_black_scholes`` on the same arrays. QuantLib: the usual pricing engine
(VanillaOption + AnalyticEuropeanEngine on quotes) on a 4000-option sample, scaled per
option. Targets: >= 140x py_vollib_vectorized (issue 18: about 10 ns/option), >= 300x
QuantLib.
"""

from __future__ import annotations

import numpy as np

from bench import Result, best_of, interleaved_best

COUNT = 1_000_000
QUANTLIB_SAMPLE = 4_000


def _options(count: int, seed: int = 42) -> tuple[np.ndarray, ...]:
    generator = np.random.default_rng(seed)
    spot = generator.uniform(2000.0, 4000.0, count)
    strike = spot * np.exp(generator.normal(0.0, 0.3, count))
    years = generator.uniform(1.0 / 365.0, 2.0, count)
    rate = generator.uniform(0.0, 0.05, count)
    vol = generator.uniform(0.2, 1.5, count)
    is_call = generator.random(count) < 0.5
    return is_call, spot, strike, years, rate, vol


def _quantlib_loop(options: tuple[np.ndarray, ...]) -> None:
    import QuantLib as ql

    today = ql.Date(21, 11, 2026)
    ql.Settings.instance().evaluationDate = today
    day_count = ql.Actual365Fixed()
    spot, rate, vol = ql.SimpleQuote(1.0), ql.SimpleQuote(0.0), ql.SimpleQuote(0.5)
    curve = ql.YieldTermStructureHandle(ql.FlatForward(today, ql.QuoteHandle(rate), day_count))
    surface = ql.BlackVolTermStructureHandle(
        ql.BlackConstantVol(today, ql.NullCalendar(), ql.QuoteHandle(vol), day_count)
    )
    engine = ql.AnalyticEuropeanEngine(ql.BlackScholesProcess(ql.QuoteHandle(spot), curve, surface))
    for is_call, s, k, t, r, v in zip(*options, strict=True):
        kind = ql.Option.Call if is_call else ql.Option.Put
        expiry = today + max(1, round(t * 365))
        option = ql.VanillaOption(
            ql.PlainVanillaPayoff(kind, float(k)), ql.EuropeanExercise(expiry)
        )
        option.setPricingEngine(engine)
        spot.setValue(float(s))
        rate.setValue(float(r))
        vol.setValue(float(v))
        (
            option.NPV(),
            option.delta(),
            option.gamma(),
            option.vega(),
            option.thetaPerDay(),
            option.rho(),
        )


def run() -> list[Result]:
    import py_vollib_vectorized as pvv

    from agent.risk.black import option_greeks

    options = _options(COUNT)
    is_call, spot, strike, years, rate, vol = options
    flags = np.where(is_call, "c", "p")

    def ours() -> object:
        return option_greeks(is_call, spot, strike, years, rate, vol)

    def vollib() -> object:
        greeks = pvv.get_all_greeks(
            flags, spot, strike, years, rate, vol, model="black_scholes", return_as="dict"
        )
        price = pvv.vectorized_black_scholes(
            flags, spot, strike, years, rate, vol, return_as="numpy"
        )
        return greeks, price

    ours()  # compile
    vollib()
    mine, theirs = interleaved_best(ours, vollib, rounds=5)
    sample = tuple(array[:QUANTLIB_SAMPLE] for array in options)
    quantlib = best_of(lambda: _quantlib_loop(sample), repeats=2) / QUANTLIB_SAMPLE
    per_option = mine / COUNT
    nanoseconds = 1e9
    return [
        Result(
            "bulk greeks 1e6 vs py_vollib_vectorized",
            per_option * nanoseconds,
            theirs / COUNT * nanoseconds,
            "py_vollib_vectorized",
            "ns/option",
            ">= 140x (issue 18)",
            theirs / mine >= 140.0,
        ),
        Result(
            "bulk greeks 1e6 vs QuantLib",
            per_option * nanoseconds,
            quantlib * nanoseconds,
            "QuantLib",
            "ns/option",
            f">= 300x (goal <= 10 ns/option: {'met' if per_option * 1e9 <= 10 else 'not met'})",
            quantlib / per_option >= 300.0,
        ),
    ]


if __name__ == "__main__":
    for result in run():
        print(result, f"ratio {result.ratio:.1f}")
