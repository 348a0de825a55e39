/*
 * sim_json_print: see sim_json_print.h. One pass over the document into a
 * growable buffer; the rules are libcjson 1.7.15's print_value,
 * print_string_ptr and print_number, unformatted.
 */
#include "sim_json_print.h"

#include "base/buf.h"
#include "base/mem.h"

#include <float.h>
#include <locale.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct out {
  struct cg_buf b;
  bool failed; /* out of memory, or something cJSON cannot print */
};

static void put(struct out *o, const char *s, size_t n)
{
  if (!o->failed && cg_buf_append(&o->b, s, n) != 0)
    o->failed = true;
}

static void put_char(struct out *o, char c)
{
  put(o, &c, 1);
}

/* A string as print_string_ptr escapes it: quote, backslash and the
 * control characters; every other byte as it is. NULL prints "". */
static void put_string(struct out *o, const char *s)
{
  const unsigned char *p = (const unsigned char *)(s ? s : "");
  const unsigned char *run = p;
  put_char(o, '"');
  for (; *p != '\0'; p++) {
    if (*p > 31 && *p != '"' && *p != '\\')
      continue;
    char esc[8];
    const char *short_esc = strchr("\"\\\b\f\n\r\t", *p);
    put(o, (const char *)run, (size_t)(p - run));
    if (short_esc != NULL) {
      esc[0] = '\\';
      esc[1] = "\"\\bfnrt"[short_esc - "\"\\\b\f\n\r\t"];
      put(o, esc, 2);
    } else {
      snprintf(esc, sizeof(esc), "\\u%04x", *p);
      put(o, esc, 6);
    }
    run = p + 1;
  }
  put(o, (const char *)run, (size_t)(p - run));
  put_char(o, '"');
}

/* cJSON's compare_double: equal within DBL_EPSILON, relatively. */
static bool close_enough(double a, double b)
{
  double max = fabs(a) > fabs(b) ? fabs(a) : fabs(b);
  return fabs(a - b) <= max * DBL_EPSILON;
}

/* The digits of v (|v| < 1e15), as "%1.15g" prints such an integer. */
static int int_digits(char *out, int64_t v)
{
  char rev[24];
  int n = 0, len = 0;
  uint64_t u = v < 0 ? (uint64_t)(-v) : (uint64_t)v;
  do {
    rev[n++] = (char)('0' + u % 10);
    u /= 10;
  } while (u > 0);
  if (v < 0)
    out[len++] = '-';
  while (n > 0)
    out[len++] = rev[--n];
  return len;
}

/* print_number: NaN and infinities as null; 15 significant digits when
 * they read back (close enough), else 17; the locale's decimal point
 * written as '.'. Integers below 1e15 (not -0) are their digits, which
 * is what "%1.15g" prints for them. */
static void put_number(struct out *o, double d)
{
  char num[32];
  int n;
  if (isnan(d) || isinf(d)) {
    n = snprintf(num, sizeof(num), "null");
  } else if (fabs(d) < 1e15 && d == (double)(int64_t)d &&
             !(d == 0 && signbit(d))) {
    n = int_digits(num, (int64_t)d);
  } else {
    double test = 0;
    char point = *localeconv()->decimal_point;
    n = snprintf(num, sizeof(num), "%1.15g", d);
    if (sscanf(num, "%lg", &test) != 1 || !close_enough(test, d))
      n = snprintf(num, sizeof(num), "%1.17g", d);
    for (char *p = num; point != '.' && *p != '\0'; p++)
      *p = *p == point ? '.' : *p;
  }
  if (n < 0 || n > 25) /* cJSON's buffer: it fails too */
    o->failed = true;
  else
    put(o, num, (size_t)n);
}

static void put_cut(struct out *o, const cJSON *v, const cJSON *tree);

/* v whole: put_cut with no tree. */
static void put_value(struct out *o, const cJSON *v)
{
  put_cut(o, v, NULL);
}

/* Scalars as print_value prints them; false for a container. */
static bool put_scalar(struct out *o, const cJSON *v)
{
  switch (v->type & 0xFF) {
  case cJSON_NULL:
    put(o, "null", 4);
    return true;
  case cJSON_False:
    put(o, "false", 5);
    return true;
  case cJSON_True:
    put(o, "true", 4);
    return true;
  case cJSON_Number:
    put_number(o, v->valuedouble);
    return true;
  case cJSON_Raw:
    if (v->valuestring == NULL)
      o->failed = true;
    else
      put(o, v->valuestring, strlen(v->valuestring));
    return true;
  case cJSON_String:
    put_string(o, v->valuestring);
    return true;
  case cJSON_Array:
  case cJSON_Object:
    return false;
  default:
    o->failed = true; /* no type: cJSON does not print it */
    return true;
  }
}

/* Whether member m of an object cut to tree is printed, and the subtree
 * it is cut to in *sub (NULL: whole). tree NULL: every member, whole. */
static bool member_kept(const cJSON *m, const cJSON *tree, const cJSON **sub)
{
  *sub = NULL;
  if (tree == NULL)
    return true;
  if (m->string == NULL)
    return false;
  const cJSON *t = tree->child;
  while (t != NULL && (t->string == NULL || t->string[0] != m->string[0] ||
                       strcmp(t->string, m->string) != 0))
    t = t->next; /* most keys differ in their first byte: no call */
  if (cJSON_IsObject(t))
    *sub = t;
  return t != NULL || strcmp(m->string, "__typename") == 0;
}

static void put_object(struct out *o, const cJSON *v, const cJSON *tree)
{
  bool first = true;
  const cJSON *m, *sub;
  put_char(o, '{');
  for (m = v->child; m != NULL && !o->failed; m = m->next) {
    if (!member_kept(m, tree, &sub))
      continue;
    if (!first)
      put_char(o, ',');
    first = false;
    put_string(o, m->string);
    put_char(o, ':');
    put_cut(o, m, sub);
  }
  put_char(o, '}');
}

/* v cut to tree (NULL: whole); lists are cut element by element. */
static void put_cut(struct out *o, const cJSON *v, const cJSON *tree)
{
  if (put_scalar(o, v))
    return;
  if (cJSON_IsObject(v)) {
    put_object(o, v, tree);
    return;
  }
  put_char(o, '[');
  for (const cJSON *e = v->child; e != NULL && !o->failed; e = e->next) {
    if (e != v->child)
      put_char(o, ',');
    put_cut(o, e, tree);
  }
  put_char(o, ']');
}

static char *finish(struct out *o)
{
  if (o->failed) {
    cg_buf_free(&o->b);
    return NULL;
  }
  return cg_buf_steal(&o->b);
}

char *sim_json_print(const cJSON *v)
{
  struct out o = {.b = CG_BUF_INIT};
  if (v == NULL)
    return NULL;
  put_value(&o, v);
  return finish(&o);
}

char *sim_json_print_cut(const cJSON *v, const cJSON *tree)
{
  struct out o = {.b = CG_BUF_INIT};
  if (v == NULL)
    return NULL;
  put_cut(&o, v, cJSON_IsObject(tree) ? tree : NULL);
  return finish(&o);
}
