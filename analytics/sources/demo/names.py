"""Chinese names for people, teams and customers, and Chinese numerals for team names."""

from __future__ import annotations

import numpy as np
import polars as pl

from analytics.sources.demo.vocabulary import INDUSTRY_ZH

NAME_HEAD = list("华中东恒瑞鑫博创盛泰联宏新安金天远通达海明嘉信德兴和永光")
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红建文辉宇鑫浩凯婷雪琳晨阳")


def cn_num(n: int) -> str:
    """1 → 一, 12 → 十二, 105 → 一百零五 (enough for team numbers)."""
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n % 10] if n % 10 else "")
    if n < 100:
        return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")
    if n < 1000:
        rest = n % 100
        head = digits[n // 100] + "百"
        if rest == 0:
            return head
        if rest < 10:
            return head + "零" + digits[rest]
        return head + (digits[rest // 10] + "十" + (digits[rest % 10] if rest % 10 else ""))
    return str(n)


def person_names(rng: np.random.Generator, n: int) -> pl.Series:
    """`n` random names: a surname and one or two given-name characters."""
    sur = np.array(SURNAMES)[rng.integers(0, len(SURNAMES), n)]
    g1 = np.array(GIVEN)[rng.integers(0, len(GIVEN), n)]
    g2 = np.where(rng.random(n) < 0.6, np.array(GIVEN)[rng.integers(0, len(GIVEN), n)], "")
    return pl.Series(sur) + pl.Series(g1) + pl.Series(g2)


def customer_names(rng: np.random.Generator, industry: np.ndarray, key_account: np.ndarray) -> pl.Series:
    """Company names: two name characters, the industry, and a group suffix for key accounts."""
    return (
        pl.Series(np.array(NAME_HEAD)[rng.integers(0, len(NAME_HEAD), len(industry))])
        + pl.Series(np.array(NAME_HEAD)[rng.integers(0, len(NAME_HEAD), len(industry))])
        + pl.Series(np.array(INDUSTRY_ZH)[industry])
        + pl.Series(np.where(key_account, "集团有限公司", "有限公司"))
    )
