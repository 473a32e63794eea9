"""Model loaders: which helpers only forward to swapper or the app registry, and the label a
call of one names (a swappable setting honoured only when the settings file sets it)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from integrity_lsp.project.imports import import_table_of_text
from integrity_lsp.project.index import ProjectIndex
from integrity_lsp.project.loaders import (
    REGISTRY_GET_MODEL,
    SWAPPER_LOAD_MODEL,
    Loader,
    forwarders,
    loaded_label,
)
from integrity_lsp.syntax.source import SourceFile
from tests.project.conftest import BuildProject
from tests.project.test_resolve import Harness

HELPERS = """
    import swapper
    from django.apps import apps
    from swapper import load_model as swapper_load_model

    def load_model(model):
        \"\"\"Docstring.\"\"\"
        return swapper.load_model("radius", model)

    def bare(model):
        return swapper_load_model(app_label="radius", model=model)

    def stripe_model(model_name):
        return apps.get_app_config("stripe").get_model(model_name)

    def by_label(label):
        return apps.get_model(label)

    def two(app_label, model_name):
        return apps.get_model(app_label, model_name)

    def computed(model):
        return swapper.load_model("radius", model.title())

    def more_work(model):
        model = model.title()
        return swapper.load_model("radius", model)

    def historical(apps, model):
        return apps.get_model("radius", model)

    def star(*args):
        return swapper.load_model(*args)
"""


def _forwarders() -> dict[str, Loader]:
    text = textwrap.dedent(HELPERS)
    return forwarders(text, import_table_of_text(text, "radius.utils", is_package=False))


def test_only_helpers_that_forward_literals_or_parameters() -> None:
    found = _forwarders()
    assert sorted(found) == ["bare", "by_label", "load_model", "stripe_model", "two"]
    assert found["load_model"] == Loader("swapper", ("model",), "radius", 0)
    assert found["bare"] == Loader("swapper", ("model",), "radius", 0)
    assert found["stripe_model"] == Loader("registry", ("model_name",), "stripe", 0)
    assert found["by_label"] == Loader("registry", ("label",), 0, None)
    assert found["two"] == Loader("registry", ("app_label", "model_name"), 0, 1)


def test_a_syntax_error_in_another_function_hides_no_helper() -> None:
    """A half-typed line elsewhere in the module (an editor's buffer) leaves the helpers as
    they are: each top-level function is read on its own."""
    text = textwrap.dedent(HELPERS) + "\n\n@decorated\ndef typing(x):\n    return (x +\n"
    found = forwarders(text, import_table_of_text(text, "radius.utils", is_package=False))
    assert found == _forwarders()


def test_labels_of_calls() -> None:
    found = _forwarders()
    assert loaded_label(found["load_model"], ["Token"], {}, ()) == "radius.Token"
    assert loaded_label(found["load_model"], [], {"model": "Token"}, ()) == "radius.Token"
    assert loaded_label(found["load_model"], [None], {}, ()) is None  # not a literal
    assert loaded_label(found["by_label"], ["shop.Product"], {}, ()) == "shop.Product"
    assert loaded_label(found["by_label"], ["Product"], {}, ()) is None
    assert loaded_label(found["stripe_model"], ["Customer"], {}, ()) == "stripe.Customer"
    assert loaded_label(REGISTRY_GET_MODEL, ["shop.Product"], {}, ()) == "shop.Product"
    assert loaded_label(REGISTRY_GET_MODEL, ["shop", "Product"], {}, ()) == "shop.Product"
    assert loaded_label(REGISTRY_GET_MODEL, ["shop", None], {}, ()) is None
    assert loaded_label(REGISTRY_GET_MODEL, ["shop.Product", None], {}, ()) is None


def test_swappable_setting_only_when_the_settings_set_it() -> None:
    swapped = (("CONFIG_DEVICE_MODEL", "sample_config.Device"),)
    assert loaded_label(SWAPPER_LOAD_MODEL, ["config", "Device"], {}, ()) == "config.Device"
    assert (
        loaded_label(SWAPPER_LOAD_MODEL, ["config", "Device"], {}, swapped)
        == "sample_config.Device"
    )
    assert loaded_label(SWAPPER_LOAD_MODEL, ["config", "Config"], {}, swapped) == "config.Config"
    # the app registry is not swappable
    assert loaded_label(REGISTRY_GET_MODEL, ["config", "Device"], {}, swapped) == "config.Device"


PROJECT = {
    "mysite/__init__.py": "",
    "mysite/settings.py": 'SHOP_TEAM_MODEL = "shop.Member"\nSHOP_TAG_MODEL = "shop.Gone"\n',
    "shop/__init__.py": "",
    "shop/models.py": """
        from django.db import models

        class Team(models.Model):
            name = models.CharField(max_length=5, unique=True)

        class Member(models.Model):
            email = models.CharField(max_length=5, unique=True)

        class Tag(models.Model):
            label = models.CharField(max_length=5, unique=True)

        class Product(models.Model):
            sku = models.CharField(max_length=5, unique=True)
    """,
    "shop/loading.py": """
        import swapper
        from django.apps import apps

        def load_model(model):
            return swapper.load_model("shop", model)

        def get_shop_model(model_name):
            return apps.get_app_config("shop").get_model(model_name)
    """,
}


def test_resolver_reads_loaders(build: BuildProject, tmp_path: Path) -> None:
    index: ProjectIndex = build(PROJECT)
    harness = Harness(index, tmp_path)
    source: SourceFile = harness.source(
        "shop/views.py",
        """
        import swapper
        from django.apps import apps
        from shop import loading
        from shop.loading import get_shop_model, load_model

        Product = load_model("Product")
        Team = load_model("Team")
        Tag = loading.load_model("Tag")
        Other = get_shop_model("Product")
        Direct = apps.get_app_config("shop").get_model("Member")
        Unknown = load_model(NAME)

        def own(model):
            return swapper.load_model("shop", model)

        Own = own("Product")

        def view(request):
            Product.objects.create(sku="a")
            Team.objects.create(email="b")
            Tag.objects.create(label="c")
            Other.objects.create(sku="d")
            Direct.objects.create(email="e")
            Unknown.objects.create(sku="f")
            Own.objects.create(sku="g")
        """,
    )
    assert harness.model(source, "Product.objects") == "shop.Product"
    assert harness.model(source, "Team.objects") == "shop.Member"  # SHOP_TEAM_MODEL
    assert harness.model(source, "Tag.objects") is None  # SHOP_TAG_MODEL names no model
    assert harness.model(source, "Other.objects") == "shop.Product"
    assert harness.model(source, "Direct.objects") == "shop.Member"
    assert harness.model(source, "Unknown.objects") is None
    assert harness.model(source, "Own.objects") == "shop.Product"
