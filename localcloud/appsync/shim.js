// The local AppSync's stand-in for '@aws-appsync/utils' (the APPSYNC_JS runtime's module).
// What is defined here is all there is: any other member of util, runtime or extensions fails
// with a named error ("util.xyz is not implemented by the local AppSync shim"), never a
// TypeError. js.py lists the members (implemented()) and docs/local-cloud.md names them.
// This file is ours, not resolver code: the APPSYNC_JS restrictions do not apply to it.
"use strict";

// APPSYNC_JS has Object.hasOwn (its docs point to it in place of `in`); QuickJS predates it.
if (typeof Object.hasOwn !== "function") {
  Object.hasOwn = function (object, key) {
    return Object.prototype.hasOwnProperty.call(object, key);
  };
}

var __appsync = (function () {
  // What a handler call leaves besides its return value; reset before each call.
  const state = { errors: [], subscriptionFilter: null, invalidations: [] };

  // util.error, runtime.earlyReturn, ... end the handler: __call tells them apart.
  function signal(kind, fields) {
    throw Object.assign({ __appsyncSignal: kind }, fields || {});
  }
  function notImplemented(member) {
    signal("notImplemented", { member: member });
  }
  // QuickJS has no btoa, atob or crypto; the binding calls no Python under a time limit.
  const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  function utf8(text) {
    return unescape(encodeURIComponent(String(text)));
  }
  function base64Encode(text) {
    const bytes = utf8(text);
    let out = "";
    for (let i = 0; i < bytes.length; i += 3) {
      const a = bytes.charCodeAt(i);
      const b = i + 1 < bytes.length ? bytes.charCodeAt(i + 1) : NaN;
      const c = i + 2 < bytes.length ? bytes.charCodeAt(i + 2) : NaN;
      out += BASE64[a >> 2] + BASE64[((a & 3) << 4) | ((b || 0) >> 4)];
      out += isNaN(b) ? "=" : BASE64[((b & 15) << 2) | ((c || 0) >> 6)];
      out += isNaN(c) ? "=" : BASE64[c & 63];
    }
    return out;
  }
  function base64Decode(text) {
    const clean = String(text).replace(/[^A-Za-z0-9+/]/g, "");
    let bytes = "";
    for (let i = 0; i < clean.length; i += 4) {
      const n = [0, 1, 2, 3].map((k) => BASE64.indexOf(clean[i + k] || "A"));
      const triple = (n[0] << 18) | (n[1] << 12) | (n[2] << 6) | n[3];
      bytes += String.fromCharCode((triple >> 16) & 255);
      if (i + 2 < clean.length) bytes += String.fromCharCode((triple >> 8) & 255);
      if (i + 3 < clean.length) bytes += String.fromCharCode(triple & 255);
    }
    return decodeURIComponent(escape(bytes));
  }
  // As Java's URLEncoder (AppSync's): a space is '+', and !'()~ are escaped.
  function urlEncode(text) {
    return encodeURIComponent(String(text))
      .replace(/%20/g, "+")
      .replace(/[!'()~]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
  }
  function autoId() {
    const hex = "0123456789abcdef";
    let id = "";
    for (let i = 0; i < 36; i += 1) {
      if (i === 8 || i === 13 || i === 18 || i === 23) id += "-";
      else if (i === 14) id += "4";
      else if (i === 19) id += hex[8 + Math.floor(Math.random() * 4)];
      else id += hex[Math.floor(Math.random() * 16)];
    }
    return id;
  }
  function isNull(value) {
    return value === null || value === undefined;
  }
  function guard(target, path) {
    return new Proxy(target, {
      get(object, key) {
        if (typeof key === "symbol" || Object.prototype.hasOwnProperty.call(object, key)) {
          return object[key];
        }
        return notImplemented(path + "." + String(key));
      },
    });
  }

  // -- util.dynamodb: values typed as DynamoDB's low-level API takes them ------------------
  function toDynamoDB(value) {
    if (isNull(value)) return { NULL: true };
    if (typeof value === "string") return { S: value };
    if (typeof value === "number") return { N: String(value) };
    if (typeof value === "boolean") return { BOOL: value };
    if (Array.isArray(value)) return { L: value.map(toDynamoDB) };
    if (typeof value === "object") return { M: toMapValues(value) };
    return signal("error", {
      message: "util.dynamodb cannot convert a " + typeof value,
      errorType: "Code",
    });
  }
  function toMapValues(object) {
    const typed = {};
    for (const [key, value] of Object.entries(object)) {
      if (value !== undefined) typed[key] = toDynamoDB(value);
    }
    return typed;
  }

  // -- util.transform ----------------------------------------------------------------------
  const SUBSCRIPTION_OPERATORS = [
    "eq", "ne", "le", "lt", "ge", "gt", "contains", "notContains", "beginsWith", "in",
    "notIn", "between", "attributeExists",
  ];
  function subscriptionFilters(object, ignored) {
    const filters = [];
    for (const [field, condition] of Object.entries(object || {})) {
      if (field === "and" || field === "or" || ignored.indexOf(field) >= 0) continue;
      for (const [operator, value] of Object.entries(condition)) {
        if (SUBSCRIPTION_OPERATORS.indexOf(operator) < 0) {
          signal("error", {
            message: "toSubscriptionFilter: unknown operator " + operator,
            errorType: "Code",
          });
        }
        filters.push({ fieldName: field, operator: operator, value: value });
      }
    }
    for (const part of object.and || []) filters.push(...subscriptionFilters(part, ignored));
    return filters;
  }
  function toSubscriptionFilter(object, ignoredFields, rules) {
    if (rules !== undefined) notImplemented("util.transform.toSubscriptionFilter(…, rules)");
    const ignored = ignoredFields || [];
    const common = subscriptionFilters(object, ignored);
    // Each alternative of `or` is a filter group (groups are ORed, filters ANDed).
    const groups = (object.or || []).map((alternative) => ({
      filters: common.concat(subscriptionFilters(alternative, ignored)),
    }));
    return { filterGroup: groups.length ? groups : [{ filters: common }] };
  }

  const COMPARISONS = { eq: "=", ne: "<>", le: "<=", lt: "<", ge: ">=", gt: ">" };
  // { field: { operator: value }, and: [...], or: [...], not: {...} } → a DynamoDB expression.
  function toDynamoDBExpression(object) {
    const names = {};
    const values = {};
    function value(field, operator, raw) {
      let placeholder = ":" + field + "_" + operator;
      let n = 1;
      while (Object.prototype.hasOwnProperty.call(values, placeholder)) {
        placeholder = ":" + field + "_" + operator + "_" + n;
        n += 1;
      }
      values[placeholder] = toDynamoDB(raw);
      return placeholder;
    }
    function condition(field, operator, raw) {
      const name = "#" + field;
      names[name] = field;
      if (COMPARISONS[operator]) return "(" + name + " " + COMPARISONS[operator] + " " + value(field, operator, raw) + ")";
      if (operator === "contains") return "(contains(" + name + "," + value(field, operator, raw) + "))";
      if (operator === "notContains") return "(NOT contains(" + name + "," + value(field, operator, raw) + "))";
      if (operator === "beginsWith") return "(begins_with(" + name + "," + value(field, operator, raw) + "))";
      if (operator === "between") {
        return "(" + name + " BETWEEN " + value(field, "between", raw[0]) + " AND " + value(field, "between", raw[1]) + ")";
      }
      if (operator === "attributeExists") return raw ? "(attribute_exists(" + name + "))" : "(attribute_not_exists(" + name + "))";
      if (operator === "in") {
        return "(" + name + " IN (" + raw.map((item) => value(field, "in", item)).join(",") + "))";
      }
      return signal("error", { message: "unknown filter operator " + operator, errorType: "Code" });
    }
    function expression(part) {
      const clauses = [];
      for (const [key, entry] of Object.entries(part)) {
        if (key === "and" || key === "or") {
          const joined = entry.map(expression).join(key === "and" ? " AND " : " OR ");
          clauses.push("(" + joined + ")");
        } else if (key === "not") {
          clauses.push("(NOT " + expression(entry) + ")");
        } else {
          for (const [operator, raw] of Object.entries(entry)) clauses.push(condition(key, operator, raw));
        }
      }
      return clauses.length === 1 ? clauses[0] : "(" + clauses.join(" AND ") + ")";
    }
    const text = expression(object);
    return JSON.stringify({ expression: text, expressionNames: names, expressionValues: values });
  }

  // -- the module's exports --------------------------------------------------------------
  const util = {
    error(message, errorType, data, errorInfo) {
      signal("error", {
        message: String(message),
        errorType: isNull(errorType) ? null : errorType,
        data: isNull(data) ? null : data,
        errorInfo: isNull(errorInfo) ? null : errorInfo,
      });
    },
    appendError(message, errorType, data, errorInfo) {
      state.errors.push({
        message: String(message),
        errorType: isNull(errorType) ? null : errorType,
        data: isNull(data) ? null : data,
        errorInfo: isNull(errorInfo) ? null : errorInfo,
      });
    },
    unauthorized() {
      signal("unauthorized");
    },
    autoId: autoId,
    // Java's Pattern.matches, as AppSync's: the whole value must match.
    matches(pattern, value) {
      return new RegExp("^(?:" + pattern + ")$").test(String(value));
    },
    isNull: isNull,
    isNullOrEmpty(value) {
      return isNull(value) || value === "";
    },
    isNullOrBlank(value) {
      return isNull(value) || (typeof value === "string" && value.trim() === "");
    },
    defaultIfNull(value, fallback) {
      return isNull(value) ? fallback : value;
    },
    defaultIfNullOrEmpty(value, fallback) {
      return isNull(value) || value === "" ? fallback : value;
    },
    defaultIfNullOrBlank(value, fallback) {
      return isNull(value) || (typeof value === "string" && value.trim() === "") ? fallback : value;
    },
    isString(value) {
      return typeof value === "string";
    },
    isNumber(value) {
      return typeof value === "number";
    },
    isBoolean(value) {
      return typeof value === "boolean";
    },
    isList(value) {
      return Array.isArray(value);
    },
    isMap(value) {
      return !isNull(value) && typeof value === "object" && !Array.isArray(value);
    },
    base64Encode: base64Encode,
    base64Decode: base64Decode,
    urlEncode: urlEncode,
    urlDecode(text) {
      return decodeURIComponent(String(text).replace(/\+/g, " "));
    },
    escapeJavaScript(text) {
      return JSON.stringify(String(text)).slice(1, -1).replace(/'/g, "\\'").replace(/\//g, "\\/");
    },
    time: guard(
      {
        nowISO8601() {
          return new Date().toISOString();
        },
        nowEpochSeconds() {
          return Math.floor(Date.now() / 1000);
        },
        nowEpochMilliSeconds() {
          return Date.now();
        },
        parseISO8601ToEpochMilliSeconds(text) {
          return Date.parse(text);
        },
        epochMilliSecondsToSeconds(milliseconds) {
          return Math.floor(milliseconds / 1000);
        },
        epochMilliSecondsToISO8601(milliseconds) {
          return new Date(milliseconds).toISOString();
        },
      },
      "util.time",
    ),
    dynamodb: guard(
      {
        toDynamoDB: toDynamoDB,
        toMapValues: toMapValues,
        toString(text) {
          return { S: text };
        },
        toNumber(number) {
          return { N: String(number) };
        },
        toBoolean(flag) {
          return { BOOL: flag };
        },
        toNull() {
          return { NULL: true };
        },
        toList(list) {
          return { L: list.map(toDynamoDB) };
        },
        toMap(object) {
          return { M: toMapValues(object) };
        },
        toStringSet(list) {
          return { SS: list };
        },
        toNumberSet(list) {
          return { NS: list.map(String) };
        },
      },
      "util.dynamodb",
    ),
    transform: guard(
      {
        toSubscriptionFilter: toSubscriptionFilter,
        toDynamoDBFilterExpression: toDynamoDBExpression,
        toDynamoDBConditionExpression: toDynamoDBExpression,
      },
      "util.transform",
    ),
  };

  const runtime = {
    earlyReturn(value) {
      signal("earlyReturn", { value: value === undefined ? null : value });
    },
  };

  const extensions = {
    setSubscriptionFilter(filter) {
      state.subscriptionFilter = filter;
    },
    setSubscriptionInvalidationFilter() {
      notImplemented("extensions.setSubscriptionInvalidationFilter");
    },
    // Nothing can be invalidated locally (no subscription has an invalidation filter):
    // recorded, and without effect.
    invalidateSubscriptions(invalidation) {
      state.invalidations.push(invalidation);
    },
  };

  const exports = {
    util: guard(util, "util"),
    runtime: guard(runtime, "runtime"),
    extensions: guard(extensions, "extensions"),
  };

  function members(object, path) {
    const names = [];
    for (const [key, value] of Object.entries(object)) {
      if (typeof value === "function") names.push(path + "." + key);
      else if (value && typeof value === "object") names.push(...members(value, path + "." + key));
    }
    return names;
  }

  return {
    exports: exports,
    modules: {},
    implemented() {
      return JSON.stringify(members(util, "util").concat(members(runtime, "runtime"), members(extensions, "extensions")));
    },
    // One handler call: ctx in, outcome out (both JSON).
    call(moduleId, handler, ctxJson) {
      const module = __appsync.modules[moduleId];
      const ctx = JSON.parse(ctxJson);
      ctx.args = ctx.arguments;
      state.errors = [];
      state.subscriptionFilter = null;
      state.invalidations = [];
      let outcome;
      try {
        if (typeof module[handler] !== "function") {
          outcome = { kind: "missing" };
        } else {
          const value = module[handler](ctx);
          outcome = { kind: "value", value: value === undefined ? null : value };
        }
      } catch (error) {
        const kind = error && error.__appsyncSignal;
        if (kind) {
          outcome = Object.assign({ kind: kind }, error);
          delete outcome.__appsyncSignal;
        } else {
          const name = error && error.name ? error.name : "Error";
          const message = error && error.message !== undefined ? error.message : String(error);
          outcome = { kind: "exception", message: name + ": " + message };
        }
      }
      outcome.stash = ctx.stash;
      outcome.errors = state.errors;
      outcome.subscriptionFilter = state.subscriptionFilter;
      return JSON.stringify(outcome);
    },
  };
})();
