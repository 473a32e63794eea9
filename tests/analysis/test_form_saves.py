"""One answer to "which model and which row does this form save": IL201 judges the saves
`analysis.form_saves` reads as inserts, and `explain` lists every save it reads (inserts and
updates of the bound row) with the same model, so the two never contradict each other."""

from __future__ import annotations

from pathlib import Path

from integrity_lsp.analysis.context import Context
from integrity_lsp.analysis.form_saves import form_save
from integrity_lsp.analysis.form_writes import form_saves_in
from integrity_lsp.checker import check_source
from integrity_lsp.syntax.nodes import CALL_CHAIN_TYPES, enclosing, walk
from integrity_lsp.syntax.source import SourceFile
from tests.helpers import environment, write_app

MODELS = """\
from django.db import models


class Product(models.Model):
    sku = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=50)
"""
FORMS = """\
from django import forms

from shop.models import Product


class ProductForm(forms.ModelForm):
    class Meta:
        model = Product
        fields = ["sku", "name"]
"""
VIEWS = """\
from django.views.generic import UpdateView

from shop.forms import ProductForm
from shop.models import Product


def create_product(request):
    form = ProductForm(request.POST)
    if form.is_valid():
        form.save()


def edit_product(request, pk):
    form = ProductForm(request.POST, instance=Product.objects.get(pk=pk))
    if form.is_valid():
        form.save()


def draft_product(request):
    form = ProductForm(request.POST)
    if form.is_valid():
        product = form.save(commit=False)
        product.save()
        product.save(update_fields=["name"])


class ProductEdit(UpdateView):
    model = Product
    form_class = ProductForm

    def form_valid(self, form):
        form.save()
"""


def test_the_rule_reports_the_inserts_explain_lists_with_every_save(tmp_path: Path) -> None:
    write_app(tmp_path, "shop", {"models.py": MODELS, "forms.py": FORMS, "views.py": VIEWS})
    env = environment(tmp_path)
    path = tmp_path / "shop" / "views.py"
    source = SourceFile(path, VIEWS, env.index.module_name(path))
    product = env.index.get_model("shop.Product")
    assert product is not None
    rows: dict[int, bool] = {}
    for node in walk(source.tree):
        function = enclosing(node, "funcdef")
        if node.type in CALL_CHAIN_TYPES and function is not None:
            context = Context(source, env, function, enclosing(node, "classdef"))
            saved = form_save(node, context)
            if saved is not None:
                assert saved.form.model == product
                rows[node.start_pos[0]] = saved.new_row
    assert rows == {10: True, 16: False, 23: True, 24: False, 32: False}
    sites = form_saves_in(source, env, {product.label: product})
    listed = {site.node.start_pos[0] for site in sites}
    assert listed == set(rows)
    reported = {f.span.start_line for f in check_source(VIEWS, path, env) if f.code == "IL201"}
    assert reported == {line for line, new_row in rows.items() if new_row}
