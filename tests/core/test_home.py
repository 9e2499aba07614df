"""The landing page puts the residents' two actions first."""

import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_the_landing_page_leads_residents_to_the_form_and_to_tracking_before_anything_else(client):
    page = client.get(reverse("home")).content.decode()
    body = page[page.index('<main'):]
    form, track, login = (body.index(f'href="{url}"') for url in
                          (reverse("demands:submit"), reverse("demands:track"), reverse("accounts:login")))
    assert form < track < login
    assert "我要反映问题" in body and "查询办理进度" in body
