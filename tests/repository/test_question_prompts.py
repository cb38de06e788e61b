"""Every question's prompt (copier.yml `help`) fits on a line: at most 120 characters as copier
shows it, rendered with the answers before it; the detail is in the README's question table."""

from __future__ import annotations

import pytest

from support.answers import EACH_KIND, EACH_LICENSE, JINJA, QUESTIONS, answers_id, template_values

MAX_PROMPT = 120
# The answer sets that change a prompt's text: each kind, each license (a private package).
ANSWER_SETS = [*EACH_KIND.values(), *EACH_LICENSE.values()]


@pytest.mark.parametrize("answers", ANSWER_SETS, ids=answers_id)
def test_every_prompt_is_at_most_120_characters(answers: dict[str, object]) -> None:
    values = template_values(**answers)
    prompts = {
        name: JINJA.from_string(spec["help"]).render(**values) for name, spec in QUESTIONS.items() if "help" in spec
    }
    assert {name: len(prompt) for name, prompt in prompts.items() if len(prompt) > MAX_PROMPT} == {}
    # Every asked question has one.
    assert set(prompts) == {name for name, spec in QUESTIONS.items() if spec.get("when") is not False}
