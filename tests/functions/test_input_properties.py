"""Properties of the layer every request passes through (parsing, validation,
page tokens, page sizes), for any input hypothesis can think of: it either
answers or raises the one error that becomes a 4xx — nothing else escapes."""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shop_common import http
from shop_common.contracts import (
    BASKET_ITEM_INPUT,
    CHECKOUT_INPUT,
    ORDER_UPDATE_INPUT,
    PRODUCT_INPUT,
)
from shop_common.dynamo import decode_page_token, encode_page_token
from shop_common.errors import BadRequest, Invalid
from shop_common.serialization import InvalidJson, dumps, loads
from shop_common.validation import check_storable, validate

REQUEST_SCHEMAS = [PRODUCT_INPUT, BASKET_ITEM_INPUT, CHECKOUT_INPUT, ORDER_UPDATE_INPUT]
# Any code point, lone surrogates included: what JSON's \u escapes can produce.
ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=30)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.decimals(allow_nan=False, allow_infinity=False)
    | ANY_TEXT
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(ANY_TEXT, children, max_size=4)
    ),
    max_leaves=40,
)
KEY_NAMES = {"orderId", "userId", "createdAt"}


def outcome(call, error_type):
    """(result, None) or (None, the error_type raised): nothing else may escape."""
    try:
        return call(), None
    except error_type as error:
        return None, error


def nested(depth: int) -> object:
    value: object = 1
    for level in range(depth):
        value = [value] if level % 2 else {"a": value}
    return value


@given(st.text() | st.binary())
def test_loads_answers_or_says_the_input_is_not_json(text):
    value, error = outcome(lambda: loads(text), InvalidJson)
    assert error is not None or dumps(value)


@given(st.sampled_from(["NaN", "Infinity", "-Infinity"]), st.integers(0, 3))
def test_non_finite_numbers_are_never_parsed(constant, depth):
    with pytest.raises(InvalidJson):
        loads("[" * depth + constant + "]" * depth)


@given(
    st.recursive(
        st.none()
        | st.booleans()
        | st.integers(-(10**20), 10**20)
        # Any amount the shop makes (a full basket's total is < 10**10): exact as a
        # JSON number, which holds 15 significant digits through a float.
        | st.decimals(places=2, min_value=-(10**12), max_value=10**12)
        | st.text(),
        lambda children: (
            st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
        ),
        max_leaves=30,
    )
)
def test_dumps_then_loads_gives_back_the_same_value(value):
    assert loads(dumps(value)) == value


@given(JSON_VALUES, st.sampled_from(REQUEST_SCHEMAS))
@settings(suppress_health_check=[HealthCheck.too_slow])
def test_validation_accepts_only_what_can_be_stored_and_names_the_field_otherwise(data, schema):
    validated, error = outcome(lambda: validate(data, schema), Invalid)
    if error:
        assert error.field
    else:
        check_storable(validated)
        dumps(validated).encode("utf-8")  # serialises, every string is valid Unicode


@given(st.integers(0, 200))
def test_nesting_is_rejected_past_dynamodbs_limit_and_never_overflows(depth):
    document = nested(depth)
    if depth <= 32:
        check_storable(document)
    else:
        with pytest.raises(Invalid, match="nested too deeply"):
            check_storable(document)


def test_a_document_too_deep_for_the_parser_is_not_json():
    with pytest.raises(InvalidJson, match="nested too deeply"):
        loads("[" * 100_000 + "]" * 100_000)


@given(
    st.decimals(min_value=0, max_value=10**6, allow_nan=False, allow_infinity=False),
)
def test_a_price_is_accepted_exactly_when_it_has_at_most_two_decimal_places(price):
    product = {"name": "Lamp", "price": price, "category": "home"}
    in_cents = price == price.quantize(Decimal("0.01"))
    _, error = outcome(lambda: validate(product, PRODUCT_INPUT), Invalid)
    assert (error is None) == (in_cents and price > 0)
    assert error is None or error.field == "price"


@given(st.text() | st.binary().map(lambda b: b.decode("latin-1")))
def test_any_page_token_decodes_to_a_key_or_is_refused(token):
    key, error = outcome(lambda: decode_page_token(token, KEY_NAMES), BadRequest)
    assert error is not None or key is None or set(key) == KEY_NAMES


@given(
    st.fixed_dictionaries(
        {
            name: st.fixed_dictionaries({"S": st.text(min_size=1, max_size=100)})
            for name in KEY_NAMES
        }
    )
)
def test_a_page_token_this_api_issued_decodes_to_its_key(key):
    token = encode_page_token(key)
    assert decode_page_token(token, KEY_NAMES) == key
    user = key["userId"]["S"]
    assert decode_page_token(token, KEY_NAMES, {"userId": user}) == key
    with pytest.raises(BadRequest):
        decode_page_token(token, KEY_NAMES, {"userId": user + "x"})


def app_with_query(**values):
    event = SimpleNamespace(get_query_string_value=values.get)
    return SimpleNamespace(current_event=event)


@given(st.text())
def test_a_page_size_is_an_ascii_integer_from_1_to_100(raw):
    size, error = outcome(lambda: http.page_size(app_with_query(limit=raw)), Invalid)
    valid = raw.isascii() and raw.isdigit() and 1 <= int(raw) <= 100
    assert (error is None) == valid
    assert error is None or error.field == "limit"
    assert size is None or size == int(raw)


@given(st.integers(1, 99), st.sampled_from(["{}.0", "{}.000", "{}e0", "{}0e-1"]))
def test_an_integral_number_is_an_integer_however_it_is_written(quantity, form):
    # JSON Schema counts 2.0 as an integer; so does the parser.
    body = loads(f'{{"quantity": {form.format(quantity)}}}')
    assert validate(body, BASKET_ITEM_INPUT) == {"quantity": quantity}
