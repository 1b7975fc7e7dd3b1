"""Validation suite (slow tier): the regularities of DESIGN §6 that real markets show, reproduced without forcing.

Each test names its source, what it measures, its tolerance and why that tolerance is wide (or narrow) enough at
this sample size. The measuring code is :mod:`churnsim.validation`, which ``docs/validation.md`` and its figures
(``docs/validation_figures.py``) use too. The contagion and rep-departure effects at their calibrated sizes are
checked in ``tests/test_calibration.py`` (same slow tier), with :func:`churnsim.diagnostics.measure_effects`.

Every simulation runs once per module (module-scoped fixtures) with the fixed size and seed of
:data:`churnsim.validation.SUITE_RUNS`, which the document's figures use too.
"""

from __future__ import annotations

import numpy as np
import pytest

from churnsim.clv import export, fit_sbg
from churnsim.core.hydra_schemas import CONF_DIR
from churnsim.engine.run import simulate
from churnsim.validation import (
    ECONOMICS_ON,
    INDUSTRY_PRESETS,
    WALLET,
    churn_by_satisfaction,
    churn_heterogeneity,
    double_jeopardy,
    propensity_only,
    retention_by_tenure,
    retention_profit,
    sbg_heterogeneity,
    suite_config,
    tiered_rivals,
    wallet_check,
    wallet_loyalty_by_satisfaction,
)

pytestmark = pytest.mark.slow

PRESETS = INDUSTRY_PRESETS


def test_every_market_preset_but_the_fitted_one_is_an_industry_preset():
    presets = {p.stem for p in (CONF_DIR / "market").glob("*.yaml")}
    assert presets - {"fader_hardie_regular"} == set(INDUSTRY_PRESETS)


# ---- cohort retention and the shifted-beta-geometric (Fader & Hardie 2007) -------------------------------------
@pytest.fixture(scope="module")
def propensity_cohort():
    # 60,000 accounts: a month-0 cohort of ~17,000 focal customers, over half of whom leave in 48 months.
    cfg = propensity_only(suite_config("propensity_cohort"))
    ex = export(cfg)
    cohort = ex.cohorts[(ex.cohorts["cohort_month"] == 0) & ~ex.cohorts["acquired"]]
    truth = ex.customers[(ex.customers["cohort_month"] == 0) & ~ex.customers["acquired"]]
    return cfg, cohort["n_alive"].to_numpy(), truth["propensity"].to_numpy()


def test_cohort_retention_rises_with_tenure_when_only_propensity_differs(propensity_cohort):
    # Fader & Hardie (2007): a cohort's retention rate rises with tenure (Regular: 63 % in year 1, over 90 % from
    # year 6) with no tenure effect at all, because the customers most prone to leave leave first. Here nothing but the
    # latent propensity differs between customers, and the yearly retention of the month-0 cohort must rise from
    # each year to the next. Year-on-year gains are 3-6 points; with 9,000-17,000 customers a year's retention has
    # a binomial s.e. below 0.4 points, so strict rises are a fair test.
    _, n_alive, _ = propensity_cohort
    yearly = n_alive[12::12] / n_alive[:-12:12]
    assert len(yearly) == 3 and n_alive[0] > 15_000
    assert np.all(np.diff(yearly) > 0)


def test_sbg_fit_recovers_the_generating_heterogeneity(propensity_cohort):
    # Fader & Hardie (2007): the shifted-beta-geometric describes such a cohort by a Beta of churn chances. Each
    # customer's true monthly churn chance θ is known here (churn_heterogeneity); its mean and polarisation
    # φ = Var θ / (E θ (1 − E θ)) are the heterogeneity the fit on survivor counts alone should recover. Measured
    # over five seeds: the mean 0-6 % high, φ 12-27 % high (θ is a scaled, slightly compressed Beta, not a Beta,
    # and the fit reads its short tail as extra spread). The tolerances, 10 % and 40 %, are that bias plus about
    # three times its spread between seeds; a homogeneous cohort (φ = 0) or the propensity's own polarisation
    # (1/7.7 = 0.13, about five times the truth) fails by far.
    cfg, n_alive, propensity = propensity_cohort
    mean, polarisation = sbg_heterogeneity(*fit_sbg(n_alive))
    true_mean, true_polarisation = churn_heterogeneity(propensity, cfg)
    assert mean == pytest.approx(true_mean, rel=0.10)
    assert polarisation == pytest.approx(true_polarisation, rel=0.40)


@pytest.fixture(scope="module")
def default_tenure():
    # 100,000 accounts: the focal firm acquires ~5,600 customers in the first year, followed for four years.
    return retention_by_tenure(export(suite_config("tenure")))


def test_retention_rises_with_tenure_in_the_default_market(default_tenure):
    # The same regularity in the full model, where ~60 % of departures are uncontrollable exits that do not depend
    # on tenure and so flatten the rise: retention in tenure years 3-4 must exceed year 1's. Measured at four
    # seeds: +1.4 to +2.2 points; the s.e. of the difference at this size is about 0.7 points, so the bare
    # inequality leaves two standard errors or more.
    assert default_tenure["n_start"].iloc[0] > 4000
    later = default_tenure[default_tenure["period"] >= 3]
    pooled_later = (later["retention"] * later["n_start"]).sum() / later["n_start"].sum()
    assert pooled_later > default_tenure["retention"].iloc[0]


# ---- Double Jeopardy (Ehrenberg, Goodhardt & Barwise 1990) -----------------------------------------------------
@pytest.fixture(scope="module")
def jeopardy():
    # Five suppliers alike but for brand strength (0.8 … −0.8 utility units); 60 months of burn-in let shares
    # settle. 60,000 accounts: the smallest supplier still has ~3,500 customers and ~4,500 departures in five
    # years, so a defection rate has a s.e. of about 0.4 points.
    cfg = tiered_rivals(suite_config("double_jeopardy"))
    return double_jeopardy(simulate(cfg).tables["monthly"])


def test_smaller_suppliers_have_fewer_customers_who_defect_more(jeopardy):
    # Ehrenberg, Goodhardt & Barwise (1990), "Double Jeopardy revisited", J. Marketing 54(3): smaller brands have
    # fewer buyers, and those buyers are somewhat less loyal. Ranked by revenue share, customers must fall and
    # annual defection rise at every step. Adjacent suppliers' defection differs by 1.3-5 points at four seeds,
    # three to seven standard errors of a difference at this size.
    assert np.all(np.diff(jeopardy["customers"].to_numpy()) < 0)
    assert np.all(np.diff(jeopardy["defection"].to_numpy()) > 0)


def test_the_loyalty_gap_is_slight(jeopardy):
    # Double Jeopardy's loyalty differences are much smaller than the share differences (the "slight" of DESIGN
    # §6). Criterion: on a log scale, retention (1 − defection) of the largest over the smallest supplier varies
    # less than a fifth as much as their customers. Measured: a ratio of 0.087 (customers 6.2×, retention
    # 1.17×), so the bound has room for any ordinary random stream yet fails a market where loyalty tracks size.
    size_gap = np.log(jeopardy["customers"].iloc[0] / jeopardy["customers"].iloc[-1])
    loyalty_gap = np.log(jeopardy["retention"].iloc[0] / jeopardy["retention"].iloc[-1])
    assert size_gap > np.log(3)  # suppliers that really differ in strength
    assert 0 < loyalty_gap < 0.2 * size_gap


# ---- satisfied customers who still leave (Reichheld 1993; Jones & Sasser 1995) --------------------------------
@pytest.fixture(scope="module")
def by_satisfaction():
    # 30,000 accounts over 60 months: ~1.7 M account-months and ~25,000 departures; the levels 2-5 each hold over
    # 130,000 account-months (level 1 ~37,000), so each switch rate is known to within 2-4 % of itself.
    return churn_by_satisfaction(suite_config("satisfaction"))


def test_satisfied_accounts_make_up_most_departures(by_satisfaction):
    # Reichheld (1993), "Loyalty-based management", HBR 71(2): 65-85 % of customers who defect said they were
    # satisfied or very satisfied. Measured: the share of departures (switches and exits) whose last survey answer
    # was 4 or 5. Band 0.5-0.9: the published range widened by 15 points below (the survey answer here is a noisy
    # five-level reading, not an exit interview) and 5 above; sampling error is below one point.
    assert 0.5 <= by_satisfaction.share_of_departures((4, 5)) <= 0.9
    # and satisfied accounts switch to competitors too, not only leave the market: at least a third of switches
    assert by_satisfaction.share_of_departures((4, 5), controllable_only=True) > 1 / 3


def test_dissatisfaction_raises_churn(by_satisfaction):
    # The other half of the link: the less satisfied switch more. Levels 1-4 must be strictly ordered; measured
    # gaps are 13 % or more of the rate at four seeds, against 2-4 % sampling error.
    rates = by_satisfaction.table["switch_rate"].to_numpy()
    assert np.all(np.diff(rates[:4]) < 0)


def test_very_satisfied_accounts_are_much_more_loyal(by_satisfaction):
    # Jones & Sasser (1995), "Why satisfied customers defect", HBR 73(6): Xerox's totally satisfied customers were
    # six times as likely to buy again as its merely satisfied ones; loyalty is steep only at the top of the scale.
    # Criterion: accounts answering 4 (satisfied) switch at least twice as often as those answering 5, and the step
    # from 4 to 5 is steeper than the step from 3 to 4. Measured: 4/5 = 2.7-2.8 and 3/4 = 1.6 at seeds 24 and 31
    # (each rate within 2-4 % of itself), so 2 leaves room for another random stream yet fails a flat top (the
    # model without delight gave 1.04). The survey answer's noise (reliability 0.73) puts accounts that are not
    # delighted into level 5, which is why the measured ratio stays below the source's six.
    assert by_satisfaction.rate_ratio(4, 5) >= 2.0
    assert by_satisfaction.rate_ratio(4, 5) > by_satisfaction.rate_ratio(3, 4)


# ---- profit's response to retention (Reichheld & Sasser 1990) --------------------------------------------------
@pytest.fixture(scope="module")
def profit_response():
    # Per preset, 40,000 accounts over 60 months, the run and its five-points-less-defection twin with the same
    # seed (common random numbers): at half this size the paired gain moved by 1-4 points between seeds.
    return {market: retention_profit(suite_config("profit", market)) for market in PRESETS}


@pytest.mark.parametrize("market", PRESETS)
def test_five_points_less_defection_raise_profit_by_tens_of_percent(profit_response, market):
    # Reichheld & Sasser (1990), "Zero defections: quality comes to services", HBR 68(5): five points less
    # defection raised profit (the present value of a customer's profits) by 25-85 % across the service industries
    # they studied. Measured: the relative gain of the focal firm's present value of profit over five years, per
    # five points of annual defection removed (17-31 % in trial runs: the low end). Band 0.10-0.85: the published
    # range, its floor lowered by 15 points because the model lacks two sources of their gain (purchases and
    # margins that grow with tenure, referrals), counts five years rather than a lifetime, and a B2B market may sit
    # at the edge of a cross-industry range; a profit that barely moved with retention would still fail.
    result = profit_response[market]
    assert 4 <= result.points <= 7  # the counterfactual removed about five points (aimed at five; feedbacks add)
    assert 0.10 <= result.gain_per_5_points(npv=True) <= 0.85


# ---- share of wallet (Keiningham et al. 2015; Du, Kamakura & Mela 2007; Reichheld & Sasser 1990) ---------------
@pytest.fixture(scope="module")
def wallets():
    # 30,000 accounts over 60 months with market.wallet.max_suppliers=3 (generic B2B: 30 % of accounts, 60 % of key
    # accounts, buy from several suppliers): ~1.5 M account-months of multi-sourcing accounts, ~500 departures of
    # the focal firm from them.
    return wallet_check(suite_config("wallet", overrides=WALLET))


def test_shares_of_wallet_follow_the_wallet_allocation_rule(wallets):
    # Keiningham et al. (2015), "Perceptual mapping of the Wallet Allocation Rule", J. Service Research: a brand's
    # share of a customer's wallet is (1 − rank/(n+1))·2/n. Criterion (issue 18): mean absolute error of share given
    # rank ≤ 0.05 among multi-sourcing accounts, every reported account-month. The rule is the target the shares
    # move to; inertia keeps them off it after each re-ranking. Measured: 0.0141-0.0151 at seeds 26 and 31-33.
    assert wallets.war_mae <= 0.05


def test_own_and_competitor_volume_are_nearly_uncorrelated_and_competitor_volume_concentrated(wallets):
    # Du, Kamakura & Mela (2007), "Size and share of customer wallet", J. Marketing 71(2): the volume customers buy
    # from a firm has little correlation with what they buy from its competitors, and a small share of customers
    # account for a large part of the competitors' volume. Measured over the focal firm's accounts at the end:
    # correlation 0.21-0.35 at seeds 26 and 31-33 (sole-sourced accounts buy nothing elsewhere; among multi-sourcing
    # ones both grow with the wallet), and its top 20 % hold 95-96 % of the competitors' volume. Criteria: below
    # 0.4, "little" against the 0.9 of the two volumes' logarithms among multi-sourcing accounts; top 20 % ≥ 0.8.
    assert abs(wallets.own_competitor_corr) < 0.4
    assert wallets.competitor_top20 >= 0.8


def test_a_falling_share_comes_before_most_departures_of_multi_sourcing_accounts(wallets):
    # Issue 18: share decline precedes most switches. Measured: of the focal firm's ~500 departures to rivals from
    # multi-sourcing accounts, the share of those its share of the wallet had fallen before (the month before below
    # its highest over the year before that): 1.0 at seeds 26 and 31-33. An account buying from one supplier still
    # switches at once; that is where the rest of the departures come from.
    assert wallets.departures > 200
    assert wallets.declined_before > 0.5
    assert 0 < wallets.shift_share < 1  # revenue is lost to both; the report shows the split


def test_with_the_economics_of_loyalty_five_points_of_retention_raise_lifetime_profit_by_a_quarter():
    # Reichheld & Sasser (1990), 25-85 % (see above). With the economics of loyalty on (purchases growing 15 % a year
    # with tenure for five years, the cost to serve falling 15 % a year to 40 %, 0.3 referrals a year from a delighted
    # account: assumptions, no preset turns them on) and share of wallet, the present value of the focal firm's
    # profit over the accounts' lifetime (value_total: five years and the terminal value of the accounts held)
    # gains 28.3-29.6 % per five points at seeds 25, 31, 32 (22.0 % with neither); 0.25 is the source's floor.
    result = retention_profit(suite_config("profit", overrides=WALLET + ECONOMICS_ON))
    assert 4 <= result.points <= 7
    assert 0.25 <= result.gain_per_5_points(lifetime=True) <= 0.85


def test_very_satisfied_accounts_keep_their_wallet_at_least_four_times_better_with_the_economics_of_loyalty():
    # Jones & Sasser (1995): six times as loyal (see above); issue 18 asks for at least four, by mechanism. Measured
    # with share of wallet and the economics of loyalty on (as above), by the month's survey level: the share of the
    # main supplier's volume lost a month to shifts and switches, pooled over four replicates (independent markets)
    # of 30,000 accounts, because so few accounts answering 5 lose anything that in one run a few large ones move
    # the ratio by a quarter (one run each: 3.4-5.3 over 16 seeds). Pooled, level 4 over level 5 is 4.08-4.51 (mean
    # 4.31) in seven disjoint sets of four markets (seeds 26-32, docs/validation.md §7), so 4 is below every one of
    # them; without the economics 3.66-4.43, and each account counted alike 2.7 either way (survey noise mixes
    # delighted and merely satisfied accounts: the documented limit). Level 3 over 4 stays at 2.0-2.2: loyalty is
    # steepest at the top.
    table = wallet_loyalty_by_satisfaction(suite_config("wallet", overrides=WALLET + ECONOMICS_ON),
                                           replicates=4).set_index("level")
    volume, account = table["wallet_loss_rate"], table["share_loss_rate"]
    assert volume[4] / volume[5] >= 4.0
    assert volume[4] / volume[5] > 1.5 * volume[3] / volume[4]
    assert account[4] / account[5] >= 2.0 and account[4] / account[5] > account[3] / account[4]
