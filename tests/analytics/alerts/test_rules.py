"""data/alerts.toml is checked on load: every mistake named with its rule or channel and key; secrets come from the
environment."""
from __future__ import annotations

import pytest

from analytics.alerts import rules

RULE = '''
[[rules]]
id = "r"
source = "attrition_rate_ttm"
condition = "threshold"
above = 0.3
severity = "high"
owners = ["hr_head"]
'''


def test_the_shipped_file_loads_with_its_defaults():
    config = rules.load()
    assert len(config.rules) == 8 and config.retry_limit == 5 and config.retry_base_seconds == 60
    assert config.rule("region_attrition_high").response_hours == 72
    assert config.rule("key_person_flight_risk").response_hours == 24  # the file's default
    assert {c.kind for c in config.channels} == {"wecom", "email"}
    assert config.rule("nope") is None


@pytest.mark.parametrize(("text", "message"), [
    (RULE.replace('"threshold"', '"between"'), "rule 'r': condition = 'between' is not one of threshold"),
    (RULE.replace('"attrition_rate_ttm"', '"atrition"'), "rule 'r': source 'atrition' is not in the metric registry"),
    (RULE.replace('"attrition_rate_ttm"', '"bookings"'), "rule 'r': threshold watches a metric; 'bookings'"),
    (RULE.replace('"threshold"', '"new_member"'), "rule 'r': new_member watches a list; 'attrition_rate_ttm'"),
    (RULE.replace("above = 0.3\n", ""), "rule 'r': a threshold needs one of above or below"),
    (RULE.replace('"hr_head"', '"ceo"'), "rule 'r': owners has 'ceo'"),
    (RULE.replace('"high"', '"critical"'), "rule 'r': severity = 'critical'"),
    (RULE + "colour = 1\n", "rule 'r': unknown key colour"),
    (RULE + "response_hours = -1\n", "rule 'r': response_hours = -1 must be a number of at least 0.25"),
    (RULE + RULE, "rule 'r' is defined twice"),
    (RULE.replace('id = "r"\n', ""), "every [[rules]] entry needs an id"),
    ('[[channels]]\nname = "g"\nkind = "wecom"\n', "channel 'g': a wecom channel needs url_env"),
    ('[[channels]]\nname = "m"\nkind = "email"\n', "channel 'm': an e-mail channel needs to"),
    ('[[channels]]\nname = "g"\nkind = "teams"\nurl_env = "X"\n', "channel 'g': kind = 'teams' is not one of"),
    ('[[channels]]\nname = "g"\nkind = "slack"\nurl_env = "X"\ndetail = "all"\n', "channel 'g': detail = 'all'"),
    ("rules = [", "not valid TOML"),
])
def test_a_mistake_is_named(text, message):
    with pytest.raises(rules.AlertConfigError) as exc:
        rules.parse(text, "alerts.toml")
    assert message in str(exc.value) and str(exc.value).startswith("alerts.toml")


def test_a_channels_address_comes_from_the_environment():
    config = rules.parse('[[channels]]\nname = "g"\nkind = "dingtalk"\nurl_env = "HOOK"\nsecret_env = "SIGN"\n'
                         '[[channels]]\nname = "m"\nkind = "email"\nto_env = "MAILS"\nseverities = ["urgent"]\n')
    group, mail = config.channels
    assert not group.configured({}) and not mail.configured({})
    env = {"HOOK": "https://oapi.dingtalk.com/robot/send?access_token=t", "SIGN": "SEC", "MAILS": "a@x.cn, b@x.cn"}
    assert group.resolve(env) == ("https://oapi.dingtalk.com/robot/send?access_token=t", "SEC", ())
    assert mail.resolve(env)[2] == ("a@x.cn", "b@x.cn") and mail.configured(env)
    assert mail.takes("urgent_request", "urgent") and not mail.takes("care_signal", "medium")
    assert group.takes("care_signal", "medium")  # no filter: every severity
