"""Average run lengths by Monte Carlo agree with the published values within 5 %.

10,000 replications put the Monte Carlo standard error near 1 % of the ARL (run lengths are roughly geometric,
s ≈ ARL), so 5 % is about five standard errors: a real error in a scheme fails, noise does not. Each test also
asserts that 5 % is at least four standard errors, so the tolerance stays honest if the settings change.
"""

import pytest

from fabnet.quality.arl import ArlProblem, ArlScheme, simulate_arl, simulate_run_lengths

PUBLISHED = [
    # scheme, shift (σ), ARL, source
    (ArlScheme.SHEWHART, 0.0, 370.4, "Montgomery §6.2.3: 1/0.0027"),
    (ArlScheme.SHEWHART, 1.0, 43.9, "Montgomery §9.1"),
    (ArlScheme.EWMA, 0.0, 500.0, "Lucas & Saccucci 1990, λ=0.10, L=2.814"),
    (ArlScheme.EWMA, 1.0, 10.3, "Lucas & Saccucci 1990, λ=0.10, L=2.814"),
    (ArlScheme.CUSUM, 0.0, 465.0, "Montgomery Table 9.3, k=0.5, h=5"),
    (ArlScheme.CUSUM, 1.0, 10.4, "Montgomery Table 9.3, k=0.5, h=5"),
    (ArlScheme.WESTERN_ELECTRIC, 0.0, 91.75, "Champ & Woodall 1987, all four rules"),
]


@pytest.mark.parametrize(("scheme", "shift", "published", "source"), PUBLISHED)
def test_arl_within_five_percent_of_the_literature(scheme: ArlScheme, shift: float, published: float,
                                                   source: str) -> None:
    result = simulate_arl(ArlProblem(scheme=scheme, shift=shift, replications=10_000, seed=2024))
    assert result.censored == 0
    assert 0.05 * published >= 4 * result.std_error, "too few replications for an honest 5 % tolerance"
    assert result.arl == pytest.approx(published, rel=0.05), source


def test_the_same_seed_gives_the_same_run_lengths() -> None:
    problem = ArlProblem(scheme=ArlScheme.CUSUM, shift=0.5, replications=200, seed=7)
    first, _ = simulate_run_lengths(problem)
    second, _ = simulate_run_lengths(problem)
    assert (first == second).all()
    other, _ = simulate_run_lengths(problem.model_copy(update={"seed": 8}))
    assert not (first == other).all()


def test_a_larger_shift_is_found_sooner() -> None:
    arls = [
        simulate_arl(ArlProblem(scheme=ArlScheme.EWMA, shift=shift, replications=2_000, seed=1)).arl
        for shift in (0.5, 1.0, 2.0)
    ]
    assert arls[0] > arls[1] > arls[2]


def test_run_lengths_are_at_least_one_and_censoring_is_reported() -> None:
    lengths, censored = simulate_run_lengths(
        ArlProblem(scheme=ArlScheme.SHEWHART, shift=0.0, replications=50, seed=3, chunk=8, max_length=16)
    )
    assert lengths.min() >= 1
    assert censored > 0  # with ARL 370, most runs outlast 16 observations
    assert (lengths[lengths > 16] == 0).all()
