"""The fake Slack speaks files.uploadV2's wire format: slack-sdk's own `files_upload_v2` (three
calls: files.getUploadURLExternal, the POST to the upload URL, files.completeUploadExternal) works
against it unchanged, and what it refuses it refuses as Slack does."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.conftest import BOT_TOKEN


def _client(fake) -> WebClient:
    return WebClient(token=BOT_TOKEN, base_url=fake.url)


def test_slack_sdk_files_upload_v2_shares_the_file_in_a_thread(fake_slack):
    client = _client(fake_slack)
    parent = client.chat_postMessage(channel="C0CHURN", text="digest")
    resp = client.files_upload_v2(channel="C0CHURN", thread_ts=parent["ts"], content="a,b\n1,2\n",
                                  filename="digest.csv", title="Digest", initial_comment="Every account")
    file_id = resp["file"]["id"]
    assert [c.method for c in fake_slack.calls] == ["chat.postMessage", "files.getUploadURLExternal",
                                                     "files.completeUploadExternal"]
    assert fake_slack.file_text("digest.csv") == "a,b\n1,2\n"
    share = fake_slack.channel_messages("C0CHURN")[-1]
    assert share["thread_ts"] == parent["ts"] and share["text"] == "Every account"
    assert [(f["id"], f["name"], f["title"]) for f in share["files"]] == [(file_id, "digest.csv", "Digest")]
    replies = client.conversations_replies(channel="C0CHURN", ts=parent["ts"])["messages"]
    assert replies[-1]["files"][0]["shares"]["public"]["C0CHURN"][0]["ts"] == share["ts"]


def test_completing_an_upload_that_never_arrived_or_in_a_closed_channel_is_refused(fake_slack):
    client = _client(fake_slack)
    url = client.files_getUploadURLExternal(filename="x.csv", length=3)
    with pytest.raises(SlackApiError) as never_uploaded:
        client.files_completeUploadExternal(files=[{"id": url["file_id"]}], channel_id="C0CHURN")
    assert never_uploaded.value.response["error"] == "file_not_found"
    fake_slack.add_channel("C0PRIVATE", "secret", bot_is_member=False)
    with pytest.raises(SlackApiError) as not_member:
        client.files_upload_v2(channel="C0PRIVATE", content="abc", filename="x.csv")
    assert not_member.value.response["error"] == "not_in_channel"
    assert fake_slack.shared_files() == []
