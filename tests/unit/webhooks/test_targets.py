"""SSRF classification and the callback URL policy, without network access (fake resolvers)."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

import pytest

from unified_order_api.config import ApiClient
from unified_order_api.webhooks.callback_targets import ClientCallbackTargets, WebhookConfigError, check_clients
from unified_order_api.webhooks.targets import TargetGuard, TargetRefused, classify

from .conftest import SECRET


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("172.31.255.255", "private"),
        ("192.168.1.10", "private"),
        ("169.254.169.254", "link_local"),
        ("169.254.0.1", "link_local"),
        ("fe80::1", "link_local"),
        ("fd00::1", "unique_local"),
        ("fc12:3456::1", "unique_local"),
        ("0.0.0.0", "unspecified"),  # noqa: S104
        ("::", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("100.64.0.1", "reserved"),
        ("192.0.2.1", "reserved"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:10.0.0.1", "private"),
        ("2002:7f00:1::", "loopback"),  # 6to4 around 127.0.0.1
        ("2002:a00:1::1", "private"),  # 6to4 around 10.0.0.1
        ("2002:a9fe:a9fe::", "link_local"),  # 6to4 around the metadata endpoint
        ("2001:0:4136:e378:8000:63bf:80ff:fffe", "loopback"),  # Teredo, client 127.0.0.1
        ("64:ff9b::7f00:1", "loopback"),  # NAT64 well-known prefix
        ("64:ff9b::a9fe:a9fe", "link_local"),
        ("64:ff9b:1::c0a8:101", "private"),  # NAT64 local-use prefix, 192.168.1.1
        ("::7f00:1", "loopback"),  # IPv4-compatible
        ("64:ff9b::808:808", None),  # DNS64 answer for a public host
        ("2002:808:808::1", None),  # 6to4 of a public host
        ("8.8.8.8", None),
        ("172.32.0.1", None),
        ("2606:4700:4700::1111", None),
    ],
)
def test_classify(address: str, kind: str | None) -> None:
    assert classify(ipaddress.ip_address(address)) == kind


def resolving_to(*addresses: str) -> TargetGuard:
    def resolver(host: str, port: int) -> Sequence[str]:
        return addresses

    return TargetGuard(resolver=resolver)


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.5/hook",
        "https://[::1]/hook",
        "http://localhost:8080/hook",
        "http://0.0.0.0/",
        "https://[fd00::1]/x",
    ],
)
def test_guard_refuses_non_public_targets(url: str) -> None:
    with pytest.raises(TargetRefused, match="address"):
        TargetGuard().check(url)


def test_a_hostname_resolving_to_a_private_address_is_refused() -> None:
    with pytest.raises(TargetRefused, match=r"'hooks.example.com' \(resolves to 10.0.0.7\) is a private address"):
        resolving_to("10.0.0.7").check("https://hooks.example.com/x")


def test_one_bad_address_among_several_refuses_the_host() -> None:
    with pytest.raises(TargetRefused, match="loopback"):
        resolving_to("93.184.216.34", "127.0.0.1").check("https://hooks.example.com/x")


def test_public_host_is_accepted_with_its_addresses() -> None:
    target = resolving_to("93.184.216.34").check("https://hooks.example.com:8443/x")
    assert (target.host, target.port) == ("hooks.example.com", 8443)
    assert [str(a) for a in target.addresses] == ["93.184.216.34"]


@pytest.mark.parametrize("url", ["ftp://example.com/x", "file:///etc/passwd", "gopher://example.com", "example.com"])
def test_only_http_and_https(url: str) -> None:
    with pytest.raises(TargetRefused, match="http or https"):
        resolving_to("93.184.216.34").check(url)


def test_credentials_in_the_url_are_refused() -> None:
    with pytest.raises(TargetRefused, match="credentials"):
        resolving_to("93.184.216.34").check("https://user:pw@hooks.example.com/x")


def test_unresolvable_host_is_refused() -> None:
    def failing(host: str, port: int) -> Sequence[str]:
        raise OSError("Name or service not known")

    with pytest.raises(TargetRefused, match="does not resolve"):
        TargetGuard(resolver=failing).check("https://nowhere.invalid/x")


def test_allowed_kinds_pass() -> None:
    guard = TargetGuard(["loopback"])
    assert guard.check("http://localhost:9/x").addresses
    with pytest.raises(TargetRefused):
        guard.check("http://10.0.0.1/x")


async def test_async_check_resolves_off_the_loop() -> None:
    with pytest.raises(TargetRefused, match="loopback"):
        await TargetGuard().acheck("http://localhost/x")


def _client(**values: object) -> ApiClient:
    return ApiClient.model_validate({"name": "shop", "api_key": "k" * 20, "webhook_secret": SECRET, **values})


def test_callback_url_must_be_on_the_allow_list() -> None:
    callbacks = ClientCallbackTargets(
        [_client(webhook_url="https://a.example/x", callback_hosts=["hooks.example.com"])],
        resolving_to("93.184.216.34"),
    )
    assert callbacks.target_for("shop", None) == "https://a.example/x"
    assert callbacks.target_for("shop", "https://HOOKS.example.com/y") == "https://HOOKS.example.com/y"
    with pytest.raises(ValueError, match="allow-list"):
        callbacks.target_for("shop", "https://evil.example/y")


def test_allow_listed_host_is_still_checked_for_its_address() -> None:
    callbacks = ClientCallbackTargets([_client(callback_hosts=["metadata.internal"])], resolving_to("169.254.169.254"))
    with pytest.raises(ValueError, match="link-local"):
        callbacks.target_for("shop", "http://metadata.internal/latest")


def test_accepting_checks_everything_but_the_address_without_a_lookup() -> None:
    """A 202 costs no DNS lookup; the queue worker resolves the host before the order runs."""

    def no_lookup(host: str, port: int) -> Sequence[str]:
        raise AssertionError("accepting a queued order must not resolve the callback host")

    callbacks = ClientCallbackTargets(
        [_client(callback_hosts=["metadata.internal", "10.0.0.1"])], TargetGuard(resolver=no_lookup)
    )
    url = "http://metadata.internal/latest"
    assert callbacks.target_for("shop", url, resolve=False) == url
    with pytest.raises(ValueError, match="allow-list"):
        callbacks.target_for("shop", "https://evil.example/y", resolve=False)
    with pytest.raises(ValueError, match="private"):
        callbacks.target_for("shop", "http://10.0.0.1/x", resolve=False)
    with pytest.raises(AssertionError, match="must not resolve"):
        callbacks.target_for("shop", url)


def test_callback_url_needs_a_secret() -> None:
    client = ApiClient(name="shop", api_key="k" * 20, callback_hosts=["hooks.example.com"])
    with pytest.raises(ValueError, match="secret"):
        ClientCallbackTargets([client], resolving_to("93.184.216.34")).target_for("shop", "https://hooks.example.com/")


async def test_configuration_check_names_every_problem() -> None:
    def public_dns(host: str, port: int) -> Sequence[str]:
        return {"hooks.example.com": ["93.184.215.14"]}.get(host, [host])  # an address resolves to itself

    clients = [
        _client(name="a", webhook_url="http://169.254.169.254/hook"),
        ApiClient(name="b", api_key="k" * 20, webhook_url="https://hooks.example.com/"),
        _client(name="c", webhook_secret="not-whsec"),
    ]
    with pytest.raises(WebhookConfigError) as raised:
        await check_clients(clients, TargetGuard(resolver=public_dns))
    message = str(raised.value)
    assert "client 'a': webhook_url refused" in message and "link-local" in message
    assert "client 'b': webhook_url/callback_hosts need a webhook_secret" in message
    assert "client 'c': webhook_secret must start with 'whsec_'" in message
