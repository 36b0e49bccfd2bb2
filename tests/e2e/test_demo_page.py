"""The demo onboarding page in headless Chromium, against the running local stack.

Each test is a new visitor: a fresh browser context with no cookie and no storage.
The page marks `#decide-status` with data-ready="true" once a decide round-trip's
answer is on the page, so the tests wait on what the page shows, never on time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

from .conftest import RunningStack

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
SCREENSHOT = Path("/tmp/demo.png")
PLACEMENTS = ("welcome", "next_step", "tip")

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="needs Debian's Chromium at /usr/bin/chromium (`make browser`)",
    ),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


def open_demo(browser: Browser, stack: RunningStack, **options: Any) -> Page:
    context = browser.new_context(**options)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{stack.url}/")
    return page


def wait_for_answer(page: Page) -> None:
    expect(page.locator("#decide-status")).to_have_attribute("data-ready", "true")


def placement(page: Page, name: str) -> Locator:
    return page.locator(f'[data-placement="{name}"]')


def accept_all(page: Page) -> None:
    expect(page.locator("#consent-banner")).to_be_visible()
    page.click("#consent-accept-all")
    expect(page.locator("#consent-banner")).to_be_hidden()
    wait_for_answer(page)


def test_a_new_visitor_who_accepts_all_sees_next_step_follow_their_progress(
    browser: Browser, local_stack: RunningStack
):
    # GIVEN a new visitor on a desktop browser, who accepts all consent
    page = open_demo(browser, local_stack, viewport={"width": 1200, "height": 900})
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    accept_all(page)

    # THEN every placement shows content, and next_step asks for the profile
    for name in PLACEMENTS:
        expect(placement(page, name)).to_have_attribute(
            "data-variant", re.compile(r"^\w+$")
        )
        expect(placement(page, name).locator("h1, h2").first).not_to_be_empty()
    next_step = placement(page, "next_step")
    expect(next_step).to_have_attribute("data-variant", "next_profile")
    expect(next_step).to_contain_text("rule complete_profile")

    # WHEN they mark "Complete your profile" done, on the same page
    page.evaluate("window.stillTheSamePage = true")
    page.click('[data-step="profile_completed"] button')
    wait_for_answer(page)

    # THEN next_step moves on to the first project, without a reload
    expect(next_step).to_have_attribute("data-variant", "next_project")
    expect(next_step.get_by_role("button")).to_have_text("Create project")
    expect(page.locator('[data-step="profile_completed"]')).to_have_attribute(
        "data-done", "true"
    )
    assert page.evaluate("window.stillTheSamePage") is True
    page.screenshot(path=str(SCREENSHOT), full_page=True)

    # AND nothing the visitor is known by reached the console
    anonymous_id = page.evaluate("Tailor.anonymousId()")
    assert not [line for line in console if anonymous_id in line]


def test_a_returning_visitor_keeps_their_consent_and_done_steps(
    browser: Browser, local_stack: RunningStack
):
    # GIVEN a visitor who accepted all and completed their profile
    page = open_demo(browser, local_stack)
    accept_all(page)
    page.click('[data-step="profile_completed"] button')
    wait_for_answer(page)

    # WHEN they come back
    page.reload()
    wait_for_answer(page)

    # THEN no banner asks again, the step is still done and next_step agrees
    expect(page.locator("#consent-banner")).to_be_hidden()
    expect(page.locator('[data-step="profile_completed"]')).to_have_attribute(
        "data-done", "true"
    )
    expect(placement(page, "next_step")).to_have_attribute(
        "data-variant", "next_project"
    )


def test_a_visitor_on_an_iphone_gets_the_mobile_app_tip(
    browser: Browser, local_stack: RunningStack
):
    # GIVEN a new visitor on an iPhone-sized screen
    page = open_demo(
        browser,
        local_stack,
        viewport={"width": 390, "height": 844},
        user_agent=IPHONE,
        is_mobile=True,
        has_touch=True,
    )

    # WHEN they accept all consent
    accept_all(page)

    # THEN the tip is the mobile app one, and says which rule chose it
    tip = placement(page, "tip")
    expect(tip).to_have_attribute("data-variant", "tip_mobile_app")
    expect(tip).to_contain_text("rule mobile_tip")
    expect(tip).to_be_visible()


def test_a_visitor_who_declines_personalization_gets_no_profile_based_next_step(
    browser: Browser, local_stack: RunningStack
):
    # GIVEN a new visitor who grants analytics and marketing, not personalization
    page = open_demo(browser, local_stack)
    page.check("#consent-analytics")
    page.check("#consent-marketing")
    expect(page.locator("#consent-personalization")).not_to_be_checked()

    # WHEN they save their choices
    page.click("#consent-save")
    expect(page.locator("#consent-banner")).to_be_hidden()
    wait_for_answer(page)

    # THEN next_step rests on the request alone, and says consent is missing
    next_step = placement(page, "next_step")
    expect(next_step).to_have_attribute("data-reason", "consent_missing")
    expect(next_step).to_contain_text("consent_missing")
    expect(next_step).to_contain_text("· context")
