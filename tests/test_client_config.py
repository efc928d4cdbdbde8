"""Client configs (seed 000's --generate-config / --quickstart): each format loads the way its reader
loads it, carries the model's limits and the platform's credential variables, and quickstart picks by its
documented rules."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from dotenv import dotenv_values
from typer.testing import CliRunner

import modelreg
from modelreg.errors import ValidationError
from modelreg.export import client_config, models_yaml

runner = CliRunner()


def render(registry: modelreg.Registry, fmt: str, model: str = "gpt-4o", **options: object) -> str:
    return client_config.render(registry, model, format=fmt, **options)  # type: ignore[arg-type]


def test_yaml_is_seed_003s_models_yaml_with_the_route_first(registry: modelreg.Registry) -> None:
    text = render(registry, "yaml", backend="openai")
    assert text.startswith("# modelreg generate-config: openai/gpt-4o on openai; set OPENAI_API_KEY")
    config = models_yaml.parse(yaml.safe_load(text))  # the seed's map shape, checked by our reader
    chain = [f"{r.platform}:{r.model_string}" for r in registry.fallback_chain("openai/gpt-4o")]
    assert config.fallback_chain == tuple(chain) and config.default == "openai:gpt-4o"
    entry = yaml.safe_load(text)["models"]["openai:gpt-4o"]
    assert entry["provider"] == "openai" and entry["type"] == "openai"
    assert entry["config"] == {
        "model_name": "gpt-4o",
        "api_key_env": "OPENAI_API_KEY",
        "base_url": "https://api.openai.com/v1",
        "context_window": 128000,
        "max_tokens": 16384,
    }


def test_litellm_proxy_config_has_the_shape_the_proxy_loads(registry: modelreg.Registry) -> None:
    document = yaml.safe_load(render(registry, "litellm-proxy", backend="openai"))
    assert set(document) == {"model_list", "router_settings"}
    entries = document["model_list"]
    chain = registry.fallback_chain("openai/gpt-4o")
    assert len(entries) == len(chain) > 1
    names = [e["model_name"] for e in entries]
    assert names[0] == "gpt-4o" and names[1:] == [f"gpt-4o@{r.platform}" for r in chain[1:]]
    for entry, route in zip(entries, chain, strict=True):
        assert set(entry) == {"model_name", "litellm_params", "model_info"}
        params = entry["litellm_params"]
        provider, _, model_string = params["model"].partition("/")
        assert (provider, model_string) == (route.platform, route.model_string)
        secrets = {k: v for k, v in params.items() if k != "model"}
        assert secrets and all(str(v).startswith("os.environ/") for v in secrets.values())
        assert {v.removeprefix("os.environ/") for v in secrets.values()} <= set(
            registry.platform(route.platform).auth_env
        )
        assert entry["model_info"]["mode"] == "chat" and entry["model_info"]["max_output_tokens"] == 16384
        assert isinstance(entry["model_info"]["input_cost_per_token"], float)
    assert document["router_settings"]["fallbacks"] == [{"gpt-4o": names[1:]}]
    assert set(document["router_settings"]["fallbacks"][0]["gpt-4o"]) <= set(names)
    first = entries[0]["litellm_params"]
    assert first == {"model": "openai/gpt-4o", "api_key": "os.environ/OPENAI_API_KEY"}
    assert entries[0]["model_info"]["input_cost_per_token"] == 2.5e-06


def test_litellm_credentials_map_to_each_platforms_parameters(registry: modelreg.Registry) -> None:
    document = yaml.safe_load(render(registry, "litellm-proxy", model="claude-sonnet-4-5-20250929"))
    by_platform = {e["litellm_params"]["model"].split("/", 1)[0]: e["litellm_params"] for e in document["model_list"]}
    assert by_platform["bedrock"]["aws_region_name"] == "os.environ/AWS_REGION"
    assert by_platform["vertex_ai"]["vertex_project"] == "os.environ/VERTEXAI_PROJECT"
    assert by_platform["azure"]["api_base"] == "os.environ/AZURE_API_BASE"
    assert by_platform["anthropic"]["api_key"] == "os.environ/ANTHROPIC_API_KEY"


def test_a_platform_litellm_does_not_name_is_called_as_openai_compatible(registry: modelreg.Registry) -> None:
    model = next(r.model for r in registry.routes() if r.platform == "ollama_cloud" and r.status == "active")
    document = yaml.safe_load(render(registry, "litellm-proxy", model=model, backend="ollama_cloud", fallbacks=False))
    params = document["model_list"][0]["litellm_params"]
    assert params["model"].startswith("openai/") and params["api_base"] == "https://ollama.com/v1"
    assert params["api_key"] == "os.environ/OLLAMA_API_KEY" and "router_settings" not in document


def test_env_parses_as_dotenv_with_empty_credentials(registry: modelreg.Registry) -> None:
    text = render(registry, "env", backend="openai")
    values = dotenv_values(stream=io.StringIO(text))
    assert values == {
        "PROVIDER": "openai",
        "MODEL": "gpt-4o",
        "MODEL_ID": "openai/gpt-4o",
        "BASE_URL": "https://api.openai.com/v1",
        "CONTEXT_WINDOW": "128000",
        "MAX_OUTPUT_TOKENS": "16384",
        "OPENAI_API_KEY": "",
    }


def test_without_fallbacks_there_is_one_route(registry: modelreg.Registry) -> None:
    document = yaml.safe_load(render(registry, "yaml", backend="azure", fallbacks=False))
    assert list(document["models"]) == ["azure:gpt-4o"] and document["preferences"]["fallback"] == []
    assert document["models"]["azure:gpt-4o"]["config"]["env"] == [
        "AZURE_API_KEY",
        "AZURE_API_BASE",
        "AZURE_API_VERSION",
    ]


@pytest.mark.parametrize(
    ("model", "backend", "field", "says"),
    [
        ("gpt-4o", "anthropic", "backend", "one of azure, openai, openrouter"),
        ("gpt-4o", "opena", "backend", "one of "),
    ],
)
def test_a_backend_that_does_not_serve_the_model_is_refused(
    registry: modelreg.Registry, model: str, backend: str, field: str, says: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        client_config.target(registry, model, backend=backend)
    assert caught.value.errors[0][0] == field and says in caught.value.errors[0][1]


def test_an_unknown_format_is_refused(registry: modelreg.Registry) -> None:
    with pytest.raises(ValidationError, match="unknown config format"):
        render(registry, "toml")


# -- quickstart ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("need", list(client_config.NEEDS))
def test_pick_follows_its_rules(registry: modelreg.Registry, need: str) -> None:
    budget = Decimal(10)
    chosen = client_config.pick(registry, provider="openai", need=need, budget=budget)
    model = registry.get(chosen.model)
    route = registry.route(chosen.route)
    assert route.platform == "openai" and route.model == model.id
    assert all(model.has(c) for c in client_config.NEEDS[need]) and not model.has("image_generation")
    assert chosen.output_price == route.pricing.output <= budget
    assert model.lifecycle.status.value not in ("deprecated", "retired")
    if need == "cheap":  # nothing on the platform with the need is cheaper (three input to one output)
        blended = (3 * route.pricing.input + route.pricing.output) / 4  # type: ignore[operator]
        for other_id in registry.find_ids(platform="openai", required=["chat"], excluded=client_config.NOT_CHAT):
            other = next(r for r in registry.routes(other_id) if r.platform == "openai")
            if other.pricing.input and other.pricing.output and other.pricing.output <= budget:
                ft = "fine-tuned" in registry.get(other_id).tags
                assert ft or (3 * other.pricing.input + other.pricing.output) / 4 >= blended, other_id


def test_pick_refuses_a_budget_nothing_meets(registry: modelreg.Registry) -> None:
    with pytest.raises(ValidationError, match="no reasoning model on anthropic within"):
        client_config.pick(registry, provider="anthropic", need="reasoning", budget=Decimal("0.01"))


def test_quickstart_asks_three_questions_and_writes_the_config(registry: modelreg.Registry, tmp_path: Path) -> None:
    from modelreg.cli import app

    out = tmp_path / "config.yaml"
    done = runner.invoke(app, ["quickstart", str(out)], input="anthropic\ncode\n20\n")
    assert done.exit_code == 0, done.output
    assert "Provider" in done.output and "Need" in done.output and "Budget" in done.output
    chosen = client_config.pick(registry, provider="anthropic", need="code", budget=Decimal(20))
    config = models_yaml.read(out)
    assert (
        config.default is not None and config.models[config.default].name == registry.route(chosen.route).model_string
    )
    assert config.fallback == ()  # quickstart: the asked platform only
    assert f"wrote {out}: {chosen.model} on anthropic" in done.output


def test_quickstart_asks_again_after_a_wrong_answer_and_takes_options(tmp_path: Path) -> None:
    from modelreg.cli import app

    out = tmp_path / ".env"
    done = runner.invoke(app, ["quickstart", str(out), "-f", "env"], input="nowhere\nopenai\ncheap\n-3\n1\n")
    assert done.exit_code == 0, done.output
    assert "nowhere" in done.output and "Error" in done.output
    values = dotenv_values(out)
    assert values["PROVIDER"] == "openai" and values["OPENAI_API_KEY"] == ""
    quiet = runner.invoke(app, ["quickstart", "-", "--provider", "openai", "--need", "chat", "--budget", "0.001"])
    assert quiet.exit_code == 1 and "no chat model on openai" in quiet.output


def test_generate_config_command_writes_each_format(tmp_path: Path) -> None:
    from modelreg.cli import app

    for fmt, name in (("yaml", "c.yaml"), ("litellm-proxy", "litellm.yaml"), ("env", ".env")):
        out = tmp_path / name
        done = runner.invoke(app, ["generate-config", "--backend", "openai", "--model", "gpt-5", "-f", fmt, str(out)])
        assert done.exit_code == 0, done.output
        assert out.is_file() and f"wrote {out}" in done.output
    assert yaml.safe_load((tmp_path / "litellm.yaml").read_text())["model_list"][0]["model_name"] == "gpt-5"
    printed = runner.invoke(app, ["generate-config", "-m", "gpt-5", "-b", "openai", "-f", "env", "-"])
    assert printed.exit_code == 0 and "MODEL=gpt-5\n" in printed.output
    refused = runner.invoke(app, ["generate-config", "-m", "gpt-5", "-b", "anthropic", "-"])
    assert refused.exit_code == 1 and "not served on anthropic" in refused.output
