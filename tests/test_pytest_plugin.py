"""The pytest plugin and the compliance guide's examples, run as a user's test suite would be."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

GUIDE = Path(__file__).parent.parent / "docs" / "compliance.md"
README = Path(__file__).parent.parent / "README.md"


def _examples() -> dict[str, str]:
    """The guide's code blocks marked ``<!-- example: NAME -->``, by file name."""
    text = GUIDE.read_text(encoding="utf-8")
    found = re.findall(r"<!-- example: (\S+) -->\n```python\n(.*?)```", text, flags=re.S)
    return dict(found)


@pytest.fixture(autouse=True)
def _no_aws_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The examples talk to 127.0.0.1 only; nothing from the machine's AWS setup may leak in."""
    import os

    for name in list(os.environ):
        if name.startswith("AWS_") or name.lower().endswith("_proxy"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


def test_the_guide_has_its_examples_and_the_readme_links_it() -> None:
    assert set(_examples()) == {
        "test_compliance.py",
        "test_compliance_boto3.py",
        "test_compliance_paths.py",
    }
    assert "docs/compliance.md" in README.read_text(encoding="utf-8")


def test_the_conformance_example_runs_green(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_compliance=_examples()["test_compliance.py"])
    result = pytester.runpytest("-s", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
    result.stdout.re_match_lines([r".*\d+ runs, \d+ steps$", r"edges exercised: \d+ of 20$"])


def test_the_boto3_example_runs_green_against_the_emulator(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_compliance_boto3=_examples()["test_compliance_boto3.py"])
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_the_paths_example_runs_green(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_compliance_paths=_examples()["test_compliance_paths.py"])
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=35)


def test_the_fixtures_as_a_user_sees_them(pytester: pytest.Pytester) -> None:
    pytester.makeconftest('pytest_plugins = ["registration_fsm.testing.pytest_plugin"]\n')
    pytester.makepyfile(
        test_fixtures="""
        from datetime import timedelta

        import boto3

        from registration_fsm import SteppingClock, VersionStatus
        from registration_fsm.backends.memory import InMemoryBackend
        from registration_fsm.testing import EdgeRecorder


        def test_clock(registration_clock):
            assert isinstance(registration_clock, SteppingClock)
            first = registration_clock()
            assert first.isoformat() == "2026-01-01T00:00:00+00:00"
            assert registration_clock() - first == timedelta(seconds=1)


        def test_backend_and_aws_side(
            registration_backend, registration_aws_side, registration_clock
        ):
            assert isinstance(registration_backend, InMemoryBackend)
            registration_clock.advance(timedelta(days=3))
            created = registration_backend.create_registration("US_TEN_DLC_BRAND_REGISTRATION")
            rid = created.registration_id
            (draft,) = registration_backend.describe_versions(rid)
            assert draft.history.draft.isoformat() == "2026-01-04T00:00:00+00:00"
            registration_backend.submit(rid)
            answer = registration_aws_side.play_aws(rid, "begin_review")
            assert answer.status is VersionStatus.REVIEWING


        def test_a_fresh_backend_each_test(registration_backend):
            info = registration_backend.create_registration("US_TEN_DLC_BRAND_REGISTRATION")
            assert info.current_version_number == 1


        def test_emulator(registration_emulator, registration_backend):
            assert registration_emulator.backend is registration_backend
            assert registration_emulator.endpoint_url.startswith("http://127.0.0.1:")
            client = boto3.client(
                "pinpoint-sms-voice-v2",
                endpoint_url=registration_emulator.endpoint_url,
                region_name="us-east-1",
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
            )
            created = client.create_registration(RegistrationType="US_TEN_DLC_BRAND_REGISTRATION")
            rid = created["RegistrationId"]
            assert [i.version_number for i in registration_backend.describe_versions(rid)] == [1]


        def test_recorder(registration_edge_recorder):
            assert isinstance(registration_edge_recorder, EdgeRecorder)
            assert len(registration_edge_recorder.missing) == 20
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=5)


def test_a_broken_backend_fails_the_users_test_with_the_shrunk_steps(
    pytester: pytest.Pytester,
) -> None:
    """The run is pinned (derandomize, and report_multiple_bugs=False, without which
    Hypothesis goes on generating for up to ten seconds of wall-clock time after the first
    failure), and the assertions hold for any counterexample: the shrinker may end on either
    registration, so the index is not asserted."""
    pytester.makepyfile(
        test_broken='''
        from hypothesis import Phase, settings

        from registration_fsm import LIFECYCLE, ConflictError
        from registration_fsm.backends.memory import InMemoryBackend

        pytest_plugins = ["registration_fsm.testing.pytest_plugin"]


        class DiscardsByDenying(InMemoryBackend):
            """Where AWS refuses a discard, this one has the version denied instead."""

            def discard(self, registration_id):
                try:
                    return super().discard(registration_id)
                except ConflictError:
                    (*_, latest) = self.describe_versions(registration_id)
                    if "deny" not in LIFECYCLE.allowed_triggers(latest.status):
                        raise
                    return self.play_aws(registration_id, "deny")


        def test_it(registration_conformance):
            registration_conformance(
                DiscardsByDenying,
                settings=settings(
                    max_examples=300, stateful_step_count=10, database=None, deadline=None,
                    phases=[Phase.generate, Phase.shrink], derandomize=True,
                    report_multiple_bugs=False,
                ),
            )
        '''
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*NonConformance: [[]illegal-transition[]]*discard from * succeeded, answering DENIED*",  # noqa: E501
            "*state.create_registrations()",
            "*state.discard(registration=[0-9])",
        ]
    )


def test_the_plugin_is_not_an_entry_point() -> None:
    from importlib.metadata import entry_points

    assert not [ep for ep in entry_points(group="pytest11") if "registration_fsm" in ep.value]
