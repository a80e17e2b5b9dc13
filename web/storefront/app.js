// The storefront: products, sign-in, basket, checkout, orders with live status.
import { api, ApiError, graphql, GraphqlError } from "./api.js";
import { currentSession, signIn, signOut } from "./auth.js";
import { watchMyOrders } from "./realtime.js";

const $ = (selector) => document.querySelector(selector);
const OPEN = new Set(["PENDING", "PAID"]); // what a customer may still cancel
const FAILED = new Set(["PAYMENT_FAILED", "REJECTED"]); // the basket comes back

const state = {
  config: null, session: null, shop: null, graphql: null, products: [], orders: new Map(), unwatch: null,
  reviewing: null, // the product whose reviews are open
};

function element(tag, { dataset = {}, ...properties } = {}, ...children) {
  const node = Object.assign(document.createElement(tag), properties);
  Object.assign(node.dataset, dataset);
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

function money(amount, currency = "USD") {
  return new Intl.NumberFormat("en", { style: "currency", currency }).format(amount);
}

function say(text, error = false) {
  const message = $("#message");
  message.textContent = text;
  message.className = error ? "error" : "";
}

async function attempt(action) {
  try {
    await action();
  } catch (error) {
    const known = error instanceof ApiError || error instanceof GraphqlError || error instanceof Error;
    say(known ? error.message : String(error), true);
  }
}

// -- products ------------------------------------------------------------------------------

async function loadProducts() {
  const category = $("#category").value;
  const page = await state.shop.products(category);
  if (!category) {
    state.products = page.items;
    const select = $("#category");
    const categories = [...new Set(page.items.map((p) => p.category))].sort();
    select.replaceChildren(element("option", { value: "", textContent: "All" }),
      ...categories.map((c) => element("option", { value: c, textContent: c })));
  }
  renderProducts(page.items);
}

function renderProducts(products) {
  $("#products").replaceChildren(...products.map((product) => {
    const add = element("button", { type: "button", textContent: "Add to basket", disabled: !state.session });
    add.addEventListener("click", () => attempt(() => addToBasket(product.productId)));
    const reviews = element("button", { type: "button", className: "secondary", textContent: "Reviews", disabled: !state.session });
    reviews.setAttribute("aria-label", `Reviews of ${product.name}`);
    reviews.addEventListener("click", () => attempt(() => openReviews(product)));
    return element("li", { className: "product", dataset: { productId: product.productId } },
      element("span", { className: "name", textContent: product.name }),
      element("span", { className: "meta", textContent: `${product.category} · ${product.stock} in stock` }),
      element("span", { textContent: product.description }),
      element("span", { className: "price", textContent: money(product.price) }),
      add, reviews);
  }));
}

// -- reviews -------------------------------------------------------------------------------

const REVIEWS = `query Reviews($productId: ID!) {
  reviews(productId: $productId, limit: 20) {
    items { reviewId rating title text sentiment createdAt }
    reviewCount averageRating
  }
}`;
const SUBMIT_REVIEW = `mutation Submit($productId: ID!, $rating: Int!, $title: String!, $text: String!) {
  submitReview(productId: $productId, rating: $rating, title: $title, text: $text) { reviewId }
}`;

async function openReviews(product) {
  state.reviewing = product;
  $("#reviews").hidden = false;
  $("#reviews-title").textContent = `Reviews of ${product.name}`;
  await loadReviews();
}

/** The reviews the shop lists: analysed, not hidden; the count and average are of all. */
async function loadReviews() {
  const { reviews } = await state.graphql(REVIEWS, { productId: state.reviewing.productId });
  $("#reviews-summary").textContent = reviews.reviewCount
    ? `${reviews.reviewCount} review(s), ${reviews.averageRating} of 5 on average` : "No reviews yet.";
  $("#review-list").replaceChildren(...reviews.items.map((review) =>
    element("li", { className: "review", dataset: { reviewId: review.reviewId, sentiment: review.sentiment } },
      element("strong", { textContent: `${"★".repeat(review.rating)}${"☆".repeat(5 - review.rating)} ${review.title}` }),
      element("span", { textContent: review.text }),
      element("span", { className: "muted", textContent: review.sentiment.toLowerCase() }))));
  return reviews.items;
}

/** A review is listed once its sentiment is analysed (seconds): read until it is, bounded. */
async function awaitListed(reviewId) {
  for (let delay = 250; delay < 8000; delay *= 2) {
    if ((await loadReviews()).some((review) => review.reviewId === reviewId)) return;
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
  say("Your review is counted; it is listed once it is analysed.");
}

async function submitReview(form) {
  const data = new FormData(form);
  const { submitReview: review } = await state.graphql(SUBMIT_REVIEW, {
    productId: state.reviewing.productId,
    rating: Number(data.get("rating")),
    title: data.get("title"),
    text: data.get("text"),
  });
  form.reset();
  say("Thank you for your review.");
  await awaitListed(review.reviewId);
}

// -- basket --------------------------------------------------------------------------------

let basket = null;

async function addToBasket(productId) {
  const line = basket?.items?.find((item) => item.productId === productId);
  renderBasket(await state.shop.setQuantity(productId, (line?.quantity || 0) + 1));
  say("Added to your basket.");
}

async function loadBasket() {
  renderBasket(state.session ? await state.shop.basket() : null);
}

function renderBasket(next) {
  basket = next;
  const lines = basket?.items || [];
  const open = basket?.status !== "CHECKED_OUT";
  $("#basket-empty").textContent = !state.session ? "Sign in to fill a basket."
    : !open ? `Checked out as order ${basket.orderId}.`
      : lines.length ? "" : "Your basket is empty.";
  $("#basket-lines").replaceChildren(...lines.map((line) => {
    const remove = element("button", { type: "button", className: "secondary", textContent: "Remove", disabled: !open });
    remove.setAttribute("aria-label", `Remove ${line.name}`);
    remove.addEventListener("click", () => attempt(async () => renderBasket(await state.shop.remove(line.productId))));
    return element("li", { className: "line", dataset: { productId: line.productId } },
      element("span", { textContent: `${line.quantity} × ${line.name}` }),
      element("span", { textContent: money(line.lineTotal, basket.currency) }),
      remove);
  }));
  $("#basket-total").textContent = lines.length ? `Total ${money(basket.totalPrice, basket.currency)}` : "";
  $("#checkout").hidden = !(state.session && open && lines.length);
}

/** The basket consumer empties a paid order's basket, and reopens a failed or cancelled
 * one's, just after the outcome is pushed: read it until it is no longer checked out (a
 * bounded wait, then say so), and the catalogue (its stock) again. */
async function awaitSettledBasket() {
  for (let delay = 250; delay < 8000; delay *= 2) {
    await loadBasket();
    if (basket?.status !== "CHECKED_OUT") return loadProducts();
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
  say("Your basket is still being updated; reload in a moment.", true);
}

async function checkout(form) {
  const data = new FormData(form);
  const accepted = await state.shop.checkout({
    email: data.get("orderEmail"),
    paymentToken: data.get("paymentToken"),
    shippingAddress: {
      name: data.get("name"), line1: data.get("line1"), city: data.get("city"),
      postalCode: data.get("postalCode"), country: data.get("country").toUpperCase(),
    },
  });
  say(`Order placed: ${accepted.orderId}. Its status updates live below.`);
  await Promise.all([loadBasket(), loadOrders()]);
}

// -- orders --------------------------------------------------------------------------------

async function loadOrders() {
  if (!state.session) {
    state.orders.clear();
  } else {
    const page = await state.shop.orders();
    state.orders = new Map(page.items.map((order) => [order.orderId, order]));
  }
  renderOrders();
}

function renderOrders() {
  const orders = [...state.orders.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  $("#order-list").replaceChildren(...orders.map((order) => {
    const cancel = OPEN.has(order.status)
      ? element("button", { type: "button", className: "secondary", textContent: "Cancel" }) : null;
    cancel?.addEventListener("click", () => attempt(async () => {
      const cancelled = await state.shop.cancel(order.orderId);
      state.orders.set(cancelled.orderId, cancelled);
      renderOrders();
      say(`Order ${order.orderId} cancelled${order.status === "PAID" ? "; it will be refunded" : ""}.`);
    }));
    cancel?.setAttribute("aria-label", `Cancel order ${order.orderId}`);
    return element("li", { className: "order", dataset: { orderId: order.orderId, status: order.status } },
      element("span", { className: "muted", textContent: `${order.orderId.slice(0, 8)} · ${new Date(order.createdAt).toLocaleString()}` }),
      element("span", { textContent: money(order.totalPrice, order.currency) }),
      element("span", { className: `status ${order.status}`, textContent: order.status }),
      cancel);
  }));
}

async function onStatusChange(change) {
  const known = state.orders.get(change.orderId);
  if (known) {
    state.orders.set(change.orderId, { ...known, status: change.status });
    renderOrders();
  } else {
    await loadOrders(); // an order placed elsewhere (another tab, the API)
  }
  const order = change.orderId.slice(0, 8);
  if (change.event === "OrderRefunded") {
    say(`Order ${order} is refunded.`);
  } else if (change.status === "PAID") {
    say(`Order ${order} is paid.`);
    await awaitSettledBasket(); // emptied
  } else if (change.status === "CANCELLED" && known?.paidAt) {
    say(`Order ${order} is cancelled; it will be refunded.`); // its basket was emptied when paid
  } else if (change.status === "CANCELLED") {
    say(`Order ${order} is cancelled. Your basket is back.`);
    await awaitSettledBasket();
  } else if (FAILED.has(change.status)) {
    say(`Order ${order}: ${change.status}. Your basket is back.`, true);
    await awaitSettledBasket();
  }
}

// -- session -------------------------------------------------------------------------------

function setLive(status) {
  const live = $("#live");
  live.textContent = status === "live" ? "live" : status;
  live.classList.toggle("on", status === "live");
  if (status === "live") attempt(loadOrders); // pushes are at most once: catch up on (re)connect
}

async function startSession(session) {
  state.session = session;
  state.shop = api(state.config, session);
  state.graphql = session ? graphql(state.config, session) : null;
  $("#reviews").hidden = true;
  $("#sign-in").hidden = Boolean(session);
  $("#signed-in").hidden = !session;
  if (session) {
    $("#who").textContent = session.username;
    $("#checkout").elements.orderEmail.value = session.username;
    state.unwatch = watchMyOrders(state.config, session, {
      onChange: (change) => attempt(() => onStatusChange(change)),
      onState: setLive,
    });
  } else {
    state.unwatch?.();
    state.unwatch = null;
    $("#checkout").reset(); // nothing the last customer typed stays on the page
    $("#review-form").reset();
    say("");
  }
  await Promise.all([loadProducts(), loadBasket(), loadOrders()]);
}

async function main() {
  state.config = await (await fetch("config.json", { cache: "no-cache" })).json();
  $("#sign-in").addEventListener("submit", (event) => {
    event.preventDefault();
    attempt(async () => {
      const session = await signIn(state.config, $("#email").value, $("#password").value);
      say("");
      await startSession(session);
    });
  });
  $("#sign-out").addEventListener("click", () => attempt(async () => {
    signOut();
    await startSession(null);
  }));
  $("#category").addEventListener("change", () => attempt(loadProducts));
  $("#reviews-close").addEventListener("click", () => { $("#reviews").hidden = true; });
  $("#review-form").addEventListener("submit", (event) => {
    event.preventDefault();
    attempt(() => submitReview(event.target));
  });
  $("#checkout").addEventListener("submit", (event) => {
    event.preventDefault();
    attempt(() => checkout(event.target));
  });
  await startSession(currentSession());
}

attempt(main);
