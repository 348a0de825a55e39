/*
 * sim_graphql: see sim_graphql.h. A lexer (lex_*) producing one token at a
 * time and a recursive reader (rd_*) over it. Value nesting is capped
 * (MAX_DEPTH) so a hostile document cannot exhaust the stack; skipped
 * selection sets are walked iteratively.
 */
#include "sim_graphql.h"

#include "base/buf.h"
#include "base/err.h"
#include "base/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 32

enum tok_kind {
  TK_EOF,
  TK_PUNCT, /* one of !$&():=@[]{}| or '.' for "..." */
  TK_NAME,
  TK_INT,
  TK_FLOAT,
  TK_STRING,
};

struct rd {
  const char *src;
  const char *p;         /* next unread byte */
  const char *tok_start; /* current token */
  size_t tok_len;
  enum tok_kind kind;
  char punct;
  struct cg_buf str; /* decoded TK_STRING value */
  const cJSON *variables;
  cJSON *defaults; /* variable defaults of the operation being read */
  char *errbuf;
  size_t errsize;
  int rc;
};

/* --- errors --------------------------------------------------------------- */

static int rd_fail(struct rd *r, const char *at, const char *fmt,
                   const char *arg)
{
  int line = 1, col = 1;
  for (const char *q = r->src; q < at && *q != '\0'; q++) {
    if (*q == '\n') {
      line++;
      col = 1;
    } else {
      col++;
    }
  }
  if (r->rc == 0 && r->errbuf != NULL && r->errsize > 0) {
    char msg[256];
    snprintf(msg, sizeof(msg), fmt, arg ? arg : "");
    snprintf(r->errbuf, r->errsize, "%s at line %d, column %d", msg, line, col);
  }
  if (r->rc == 0)
    r->rc = CG_EINVAL;
  return r->rc;
}

/* A printable excerpt of the current token for messages. */
static const char *tok_text(const struct rd *r, char *buf, size_t size)
{
  if (r->kind == TK_EOF)
    return "<EOF>";
  size_t n = r->tok_len < size - 1 ? r->tok_len : size - 1;
  memcpy(buf, r->tok_start, n);
  buf[n] = '\0';
  return buf;
}

static int rd_unexpected(struct rd *r)
{
  char t[48];
  return rd_fail(r, r->tok_start, "Syntax Error: Unexpected \"%s\"",
                 tok_text(r, t, sizeof(t)));
}

/* --- lexer ---------------------------------------------------------------- */

static void skip_ignored(struct rd *r)
{
  for (;;) {
    unsigned char c = (unsigned char)*r->p;
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',') {
      r->p++;
    } else if (c == 0xEF && (unsigned char)r->p[1] == 0xBB &&
               (unsigned char)r->p[2] == 0xBF) {
      r->p += 3;
    } else if (c == '#') {
      while (*r->p != '\0' && *r->p != '\n' && *r->p != '\r')
        r->p++;
    } else {
      return;
    }
  }
}

static bool is_name_start(char c)
{
  return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c)
{
  return c >= '0' && c <= '9';
}

static int lex_number(struct rd *r)
{
  const char *q = r->p;
  bool is_float = false;
  if (*q == '-')
    q++;
  if (*q == '0') {
    q++;
  } else if (is_digit(*q)) {
    while (is_digit(*q))
      q++;
  } else {
    return rd_fail(r, q, "Syntax Error: Invalid number%s", NULL);
  }
  if (*q == '.') {
    is_float = true;
    q++;
    if (!is_digit(*q))
      return rd_fail(r, q, "Syntax Error: Invalid number%s", NULL);
    while (is_digit(*q))
      q++;
  }
  if (*q == 'e' || *q == 'E') {
    is_float = true;
    q++;
    if (*q == '+' || *q == '-')
      q++;
    if (!is_digit(*q))
      return rd_fail(r, q, "Syntax Error: Invalid number%s", NULL);
    while (is_digit(*q))
      q++;
  }
  if (is_name_start(*q) || *q == '.')
    return rd_fail(r, q, "Syntax Error: Invalid number%s", NULL);
  r->kind = is_float ? TK_FLOAT : TK_INT;
  r->p = q;
  return 0;
}

static int hex4(const char *q, unsigned *out)
{
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    char c = q[i];
    v <<= 4;
    if (c >= '0' && c <= '9')
      v |= (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f')
      v |= (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F')
      v |= (unsigned)(c - 'A' + 10);
    else
      return -1;
  }
  *out = v;
  return 0;
}

static int put_utf8(struct cg_buf *b, unsigned cp)
{
  char o[4];
  size_t n;
  if (cp < 0x80) {
    o[0] = (char)cp;
    n = 1;
  } else if (cp < 0x800) {
    o[0] = (char)(0xC0 | (cp >> 6));
    o[1] = (char)(0x80 | (cp & 0x3F));
    n = 2;
  } else if (cp < 0x10000) {
    o[0] = (char)(0xE0 | (cp >> 12));
    o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[2] = (char)(0x80 | (cp & 0x3F));
    n = 3;
  } else {
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    n = 4;
  }
  return cg_buf_append(b, o, n);
}

/* Reads \uXXXX (and a following low surrogate) at q (after the 'u'). */
static int lex_unicode(struct rd *r, const char **qp)
{
  unsigned cp, lo;
  const char *q = *qp;
  if (hex4(q, &cp) != 0)
    return rd_fail(r, q, "Syntax Error: Invalid Unicode escape%s", NULL);
  q += 4;
  if (cp >= 0xD800 && cp <= 0xDBFF && q[0] == '\\' && q[1] == 'u' &&
      hex4(q + 2, &lo) == 0 && lo >= 0xDC00 && lo <= 0xDFFF) {
    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    q += 6;
  } else if (cp >= 0xD800 && cp <= 0xDFFF) {
    return rd_fail(r, *qp, "Syntax Error: Invalid Unicode escape%s", NULL);
  }
  *qp = q;
  return put_utf8(&r->str, cp) == 0 ? 0 : (r->rc = CG_ENOMEM);
}

static int lex_escape(struct rd *r, const char **qp)
{
  static const char from[] = "\"\\/bfnrt";
  static const char to[] = "\"\\/\b\f\n\r\t";
  const char *q = *qp;
  if (*q == 'u') {
    *qp = q + 1;
    return lex_unicode(r, qp);
  }
  const char *hit = *q != '\0' ? strchr(from, *q) : NULL;
  if (hit == NULL)
    return rd_fail(r, q - 1, "Syntax Error: Invalid escape sequence%s", NULL);
  *qp = q + 1;
  char c = to[hit - from];
  return cg_buf_append(&r->str, &c, 1) == 0 ? 0 : (r->rc = CG_ENOMEM);
}

static int lex_block_string(struct rd *r)
{
  const char *q = r->p + 3;
  for (;;) {
    if (*q == '\0')
      return rd_fail(r, r->p, "Syntax Error: Unterminated string%s", NULL);
    if (strncmp(q, "\"\"\"", 3) == 0)
      break;
    size_t n = strncmp(q, "\\\"\"\"", 4) == 0 ? 4 : 1;
    const char *piece = n == 4 ? "\"\"\"" : q;
    if (cg_buf_append(&r->str, piece, n == 4 ? 3 : 1) != 0)
      return r->rc = CG_ENOMEM;
    q += n;
  }
  r->p = q + 3;
  r->kind = TK_STRING;
  return 0;
}

static int lex_string(struct rd *r)
{
  cg_buf_reset(&r->str);
  if (cg_buf_reserve(&r->str, 1) != 0)
    return r->rc = CG_ENOMEM;
  r->str.data[0] = '\0';
  if (strncmp(r->p, "\"\"\"", 3) == 0)
    return lex_block_string(r);
  const char *q = r->p + 1;
  while (*q != '"') {
    if (*q == '\0' || *q == '\n' || *q == '\r')
      return rd_fail(r, r->p, "Syntax Error: Unterminated string%s", NULL);
    if (*q == '\\') {
      q++;
      if (lex_escape(r, &q) != 0)
        return r->rc;
      continue;
    }
    if (cg_buf_append(&r->str, q, 1) != 0)
      return r->rc = CG_ENOMEM;
    q++;
  }
  r->p = q + 1;
  r->kind = TK_STRING;
  return 0;
}

/* Advances to the next token. */
static int lex_next(struct rd *r)
{
  if (r->rc != 0)
    return r->rc;
  skip_ignored(r);
  r->tok_start = r->p;
  char c = *r->p;
  int rc = 0;
  if (c == '\0') {
    r->kind = TK_EOF;
  } else if (strncmp(r->p, "...", 3) == 0) {
    r->kind = TK_PUNCT;
    r->punct = '.';
    r->p += 3;
  } else if (strchr("!$&():=@[]{}|", c) != NULL) {
    r->kind = TK_PUNCT;
    r->punct = c;
    r->p++;
  } else if (is_name_start(c)) {
    while (is_name_start(*r->p) || is_digit(*r->p))
      r->p++;
    r->kind = TK_NAME;
  } else if (c == '-' || is_digit(c)) {
    rc = lex_number(r);
  } else if (c == '"') {
    rc = lex_string(r);
  } else {
    char t[2] = {c, '\0'};
    return rd_fail(r, r->p, "Syntax Error: Unexpected character \"%s\"", t);
  }
  r->tok_len = (size_t)(r->p - r->tok_start);
  return rc;
}

static bool at_punct(const struct rd *r, char c)
{
  return r->kind == TK_PUNCT && r->punct == c;
}

static bool at_name(const struct rd *r, const char *name)
{
  return r->kind == TK_NAME && r->tok_len == strlen(name) &&
         strncmp(r->tok_start, name, r->tok_len) == 0;
}

static int expect_punct(struct rd *r, char c)
{
  if (!at_punct(r, c))
    return rd_unexpected(r);
  return lex_next(r);
}

/* Copies the current TK_NAME (caller frees) and advances. */
static int take_name(struct rd *r, char **out)
{
  if (r->kind != TK_NAME)
    return rd_unexpected(r);
  *out = cg_strndup(r->tok_start, r->tok_len);
  if (*out == NULL)
    return r->rc = CG_ENOMEM;
  if (lex_next(r) != 0) {
    cg_free(*out);
    *out = NULL;
  }
  return r->rc;
}

/* Adds item under key (a copy); item is freed if that fails. */
static int put_member(struct rd *r, cJSON *obj, const char *key, cJSON *item)
{
  if (item == NULL)
    return r->rc = CG_ENOMEM;
  cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
  if (!cJSON_AddItemToObject(obj, key, item)) {
    cJSON_Delete(item);
    return r->rc = CG_ENOMEM;
  }
  return 0;
}

/* --- values --------------------------------------------------------------- */

static int rd_value(struct rd *r, bool is_const, int depth, cJSON **out);

/* A "$name" reference: the request's variable, else its default, else
 * absent (*out NULL). */
static int rd_variable(struct rd *r, bool is_const, cJSON **out)
{
  char *name = NULL;
  const char *at = r->tok_start;
  if (is_const)
    return rd_fail(r, at, "Syntax Error: Unexpected variable%s", NULL);
  if (lex_next(r) != 0 || take_name(r, &name) != 0)
    return r->rc;
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(r->variables, name);
  if (v == NULL)
    v = cJSON_GetObjectItemCaseSensitive(r->defaults, name);
  cg_free(name);
  *out = v != NULL ? cJSON_Duplicate(v, true) : NULL;
  if (v != NULL && *out == NULL)
    return r->rc = CG_ENOMEM;
  return 0;
}

static int rd_list(struct rd *r, bool is_const, int depth, cJSON **out)
{
  cJSON *list = cJSON_CreateArray();
  if (list == NULL || lex_next(r) != 0)
    goto fail;
  while (!at_punct(r, ']')) {
    cJSON *item = NULL;
    if (r->kind == TK_EOF) {
      rd_unexpected(r);
      goto fail;
    }
    if (rd_value(r, is_const, depth + 1, &item) != 0)
      goto fail;
    cJSON_AddItemToArray(list, item ? item : cJSON_CreateNull());
  }
  if (lex_next(r) != 0)
    goto fail;
  *out = list;
  return 0;
fail:
  cJSON_Delete(list);
  return r->rc ? r->rc : (r->rc = CG_ENOMEM);
}

static int rd_object(struct rd *r, bool is_const, int depth, cJSON **out)
{
  cJSON *obj = cJSON_CreateObject();
  char *key = NULL;
  if (obj == NULL || lex_next(r) != 0)
    goto fail;
  while (!at_punct(r, '}')) {
    cJSON *item = NULL;
    if (take_name(r, &key) != 0 || expect_punct(r, ':') != 0 ||
        rd_value(r, is_const, depth + 1, &item) != 0)
      goto fail;
    if (put_member(r, obj, key, item ? item : cJSON_CreateNull()) != 0)
      goto fail;
    cg_free(key);
    key = NULL;
  }
  if (lex_next(r) != 0)
    goto fail;
  *out = obj;
  return 0;
fail:
  cg_free(key);
  cJSON_Delete(obj);
  return r->rc ? r->rc : (r->rc = CG_ENOMEM);
}

static cJSON *scalar_from_token(struct rd *r)
{
  if (r->kind == TK_STRING)
    return cJSON_CreateString(r->str.data);
  char *text = cg_strndup(r->tok_start, r->tok_len);
  if (text == NULL)
    return NULL;
  cJSON *v;
  if (r->kind == TK_INT || r->kind == TK_FLOAT)
    v = cJSON_CreateNumber(strtod(text, NULL));
  else if (strcmp(text, "true") == 0 || strcmp(text, "false") == 0)
    v = cJSON_CreateBool(text[0] == 't');
  else if (strcmp(text, "null") == 0)
    v = cJSON_CreateNull();
  else
    v = cJSON_CreateString(text); /* an enum value */
  cg_free(text);
  return v;
}

/* Reads one value into *out (NULL when an unset variable). */
static int rd_value(struct rd *r, bool is_const, int depth, cJSON **out)
{
  *out = NULL;
  if (depth > MAX_DEPTH)
    return rd_fail(r, r->tok_start, "Syntax Error: Value nested too deep%s",
                   NULL);
  if (at_punct(r, '$'))
    return rd_variable(r, is_const, out);
  if (at_punct(r, '['))
    return rd_list(r, is_const, depth, out);
  if (at_punct(r, '{'))
    return rd_object(r, is_const, depth, out);
  if (r->kind != TK_NAME && r->kind != TK_INT && r->kind != TK_FLOAT &&
      r->kind != TK_STRING)
    return rd_unexpected(r);
  *out = scalar_from_token(r);
  if (*out == NULL)
    return r->rc = CG_ENOMEM;
  if (lex_next(r) != 0) {
    cJSON_Delete(*out);
    *out = NULL;
  }
  return r->rc;
}

/* --- operations ----------------------------------------------------------- */

/* Skips a balanced "{ ... }" starting at the current '{'. */
static int skip_selection_set(struct rd *r)
{
  int depth = 0;
  do {
    if (r->kind == TK_EOF)
      return rd_unexpected(r);
    if (at_punct(r, '{'))
      depth++;
    else if (at_punct(r, '}'))
      depth--;
    if (lex_next(r) != 0)
      return r->rc;
  } while (depth > 0);
  return 0;
}

static int refuse_directive(struct rd *r)
{
  return rd_fail(r, r->tok_start,
                 "Directives are not supported by the simulator%s", NULL);
}

/* Type := Name | "[" Type "]", each optionally followed by "!". */
static int rd_type(struct rd *r, int depth)
{
  if (depth > MAX_DEPTH)
    return rd_unexpected(r);
  if (at_punct(r, '[')) {
    if (lex_next(r) != 0 || rd_type(r, depth + 1) != 0 ||
        expect_punct(r, ']') != 0)
      return r->rc;
  } else if (r->kind == TK_NAME) {
    if (lex_next(r) != 0)
      return r->rc;
  } else {
    return rd_unexpected(r);
  }
  return at_punct(r, '!') ? lex_next(r) : 0;
}

/* "($a: T = default, ...)": records defaults in r->defaults. */
static int rd_variable_defs(struct rd *r)
{
  if (lex_next(r) != 0)
    return r->rc;
  while (!at_punct(r, ')')) {
    char *name = NULL;
    cJSON *def = NULL;
    if (expect_punct(r, '$') != 0 || take_name(r, &name) != 0)
      return r->rc;
    if (expect_punct(r, ':') == 0 && rd_type(r, 0) == 0 && at_punct(r, '=') &&
        lex_next(r) == 0 && rd_value(r, true, 0, &def) == 0 && def != NULL)
      put_member(r, r->defaults, name, def);
    cg_free(name);
    if (r->rc != 0)
      return r->rc;
    if (at_punct(r, '@'))
      return refuse_directive(r);
  }
  return lex_next(r);
}

static int rd_arguments(struct rd *r, cJSON *args)
{
  if (lex_next(r) != 0)
    return r->rc;
  while (!at_punct(r, ')')) {
    char *name = NULL;
    cJSON *v = NULL;
    if (take_name(r, &name) == 0 && expect_punct(r, ':') == 0 &&
        rd_value(r, false, 0, &v) == 0 && v != NULL)
      put_member(r, args, name, v);
    cg_free(name);
    if (r->rc != 0)
      return r->rc;
  }
  return lex_next(r);
}

static int add_field(struct sim_gql_doc *doc, struct sim_gql_field *f)
{
  struct sim_gql_field *grown =
      cg_realloc(doc->fields, (doc->nfields + 1) * sizeof(*grown));
  if (grown == NULL)
    return CG_ENOMEM;
  doc->fields = grown;
  doc->fields[doc->nfields++] = *f;
  return 0;
}

static void field_free(struct sim_gql_field *f)
{
  cg_free(f->alias);
  cg_free(f->name);
  cJSON_Delete(f->args);
}

/* [alias ":"] name [(args)] [selection set] */
static int rd_root_field(struct rd *r, struct sim_gql_doc *doc)
{
  struct sim_gql_field f = {NULL, NULL, cJSON_CreateObject()};
  if (f.args == NULL)
    return r->rc = CG_ENOMEM;
  if (at_punct(r, '.')) {
    rd_fail(r, r->tok_start,
            "Fragment spreads are not supported by the simulator%s", NULL);
    goto done;
  }
  if (take_name(r, &f.name) != 0)
    goto done;
  if (at_punct(r, ':')) {
    f.alias = f.name;
    f.name = NULL;
    if (lex_next(r) != 0 || take_name(r, &f.name) != 0)
      goto done;
  }
  if (at_punct(r, '(') && rd_arguments(r, f.args) != 0)
    goto done;
  if (at_punct(r, '@')) {
    refuse_directive(r);
    goto done;
  }
  if (at_punct(r, '{') && skip_selection_set(r) != 0)
    goto done;
  if (f.alias == NULL && (f.alias = cg_strdup(f.name)) == NULL)
    r->rc = CG_ENOMEM;
  if (r->rc == 0 && add_field(doc, &f) == 0)
    return 0;
  r->rc = r->rc ? r->rc : CG_ENOMEM;
done:
  field_free(&f);
  return r->rc;
}

static int rd_root_selection(struct rd *r, struct sim_gql_doc *doc)
{
  if (expect_punct(r, '{') != 0)
    return r->rc;
  if (at_punct(r, '}'))
    return rd_unexpected(r);
  while (!at_punct(r, '}')) {
    if (r->kind == TK_EOF)
      return rd_unexpected(r);
    if (rd_root_field(r, doc) != 0)
      return r->rc;
  }
  return lex_next(r);
}

static int skip_fragment(struct rd *r)
{
  while (!at_punct(r, '{')) {
    if (r->kind == TK_EOF)
      return rd_unexpected(r);
    if (lex_next(r) != 0)
      return r->rc;
  }
  return skip_selection_set(r);
}

static bool selected(const char *want, const char *name)
{
  return want == NULL || (name != NULL && strcmp(want, name) == 0);
}

/* One operation definition; fills doc if it is the wanted one and none was
 * taken yet, else skips its selection set. */
static int rd_operation(struct rd *r, const char *want, struct sim_gql_doc *doc,
                        int *nops)
{
  bool mutation = false;
  char *name = NULL;
  if (!at_punct(r, '{')) {
    if (at_name(r, "subscription"))
      return rd_fail(r, r->tok_start, "Subscriptions are not supported%s",
                     NULL);
    mutation = at_name(r, "mutation");
    if (lex_next(r) != 0)
      return r->rc;
    if (r->kind == TK_NAME && take_name(r, &name) != 0)
      return r->rc;
  }
  cJSON_Delete(r->defaults);
  r->defaults = cJSON_CreateObject();
  if (r->defaults == NULL)
    r->rc = CG_ENOMEM;
  if (r->rc == 0 && at_punct(r, '('))
    rd_variable_defs(r);
  if (r->rc == 0 && at_punct(r, '@'))
    refuse_directive(r);
  (*nops)++;
  if (r->rc == 0 && selected(want, name) && doc->fields == NULL) {
    doc->mutation = mutation;
    doc->op_name = name;
    name = NULL;
    rd_root_selection(r, doc);
  } else if (r->rc == 0) {
    if (!at_punct(r, '{'))
      rd_unexpected(r);
    else
      skip_selection_set(r);
  }
  cg_free(name);
  return r->rc;
}

static int rd_document(struct rd *r, const char *want, struct sim_gql_doc *doc)
{
  int nops = 0;
  if (lex_next(r) != 0)
    return r->rc;
  if (r->kind == TK_EOF)
    return rd_fail(r, r->p, "Syntax Error: Unexpected <EOF>%s", NULL);
  while (r->kind != TK_EOF) {
    if (at_name(r, "fragment")) {
      if (skip_fragment(r) != 0)
        return r->rc;
    } else if (at_punct(r, '{') || at_name(r, "query") ||
               at_name(r, "mutation") || at_name(r, "subscription")) {
      if (rd_operation(r, want, doc, &nops) != 0)
        return r->rc;
    } else {
      return rd_unexpected(r);
    }
  }
  if (want == NULL && nops > 1)
    return rd_fail(r, r->src,
                   "Must provide operation name if query contains multiple "
                   "operations%s",
                   NULL);
  if (doc->fields == NULL)
    return rd_fail(r, r->src, "Unknown operation named \"%s\"", want);
  return 0;
}

int sim_gql_parse(const char *src, const char *operation_name,
                  const cJSON *variables, struct sim_gql_doc *doc, char *errbuf,
                  size_t errsize)
{
  struct rd r = {.src = src,
                 .p = src,
                 .variables = variables,
                 .errbuf = errbuf,
                 .errsize = errsize};
  memset(doc, 0, sizeof(*doc));
  if (errbuf != NULL && errsize > 0)
    errbuf[0] = '\0';
  int rc = rd_document(&r, operation_name, doc);
  if (rc == CG_ENOMEM && errbuf != NULL && errsize > 0)
    snprintf(errbuf, errsize, "out of memory");
  cJSON_Delete(r.defaults);
  cg_buf_free(&r.str);
  if (rc != 0)
    sim_gql_doc_free(doc);
  return rc;
}

void sim_gql_doc_free(struct sim_gql_doc *doc)
{
  if (doc == NULL)
    return;
  for (size_t i = 0; i < doc->nfields; i++)
    field_free(&doc->fields[i]);
  cg_free(doc->fields);
  cg_free(doc->op_name);
  memset(doc, 0, sizeof(*doc));
}
