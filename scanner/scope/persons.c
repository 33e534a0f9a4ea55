/*
 * persons.c - person keys (scope stage): a record's values normalised into
 * keys and hashed under the scan's key (HMAC-SHA-256; a random per-scan
 * key, or one the user gives so that shards can merge), then forgotten;
 * sets of hashes for the values of a key column, kept in an
 * open-addressing table up to a budget, then in a HyperLogLog sketch of
 * 2^14 registers (standard error 0.81%). The person graph (pgraph.c)
 * counts the persons. Deterministic for a given key.
 */
#include "persons.h"

#include <ctype.h>
#include <math.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "header.h"
#include "pgraph.h"
#include "util.h"
#include "validate.h"

struct bsc_personset {
	size_t budget;
	uint64_t *slots; /* open addressing; 0 = empty (0 is remapped) */
	size_t cap, n;
	uint8_t *hll; /* non-NULL once switched to the sketch */
};

struct bsc_personset *
bsc_personset_new(size_t budget)
{
	struct bsc_personset *ps = bsc_zalloc(sizeof(*ps));

	ps->budget = budget ? budget : 1;
	return ps;
}

void
bsc_personset_free(struct bsc_personset *ps)
{
	if (!ps)
		return;
	free(ps->slots);
	free(ps->hll);
	free(ps);
}

void
bsc_hll_add(uint8_t *hll, uint64_t h)
{
	uint32_t idx = (uint32_t)(h >> (64 - BSC_HLL_P));
	uint64_t rest = (h << BSC_HLL_P) | (1ull << (BSC_HLL_P - 1));
	uint8_t rank = (uint8_t)(__builtin_clzll(rest) + 1);

	if (rank > hll[idx])
		hll[idx] = rank;
}

static void
to_sketch(struct bsc_personset *ps)
{
	ps->hll = bsc_zalloc(BSC_HLL_M);
	for (size_t i = 0; i < ps->cap; i++)
		if (ps->slots[i])
			bsc_hll_add(ps->hll, ps->slots[i]);
	free(ps->slots);
	ps->slots = NULL;
	ps->cap = ps->n = 0;
}

static void
grow(struct bsc_personset *ps)
{
	size_t cap = ps->cap ? ps->cap * 2 : 1024;
	uint64_t *old = ps->slots;
	size_t oldcap = ps->cap;

	ps->slots = bsc_zalloc(cap * sizeof(uint64_t));
	ps->cap = cap;
	ps->n = 0;
	for (size_t i = 0; i < oldcap; i++)
		if (old[i])
			bsc_personset_add(ps, old[i]);
	free(old);
}

void
bsc_personset_add(struct bsc_personset *ps, uint64_t h)
{
	size_t i;

	if (h == 0)
		h = 1; /* 0 marks an empty slot */
	if (ps->hll) {
		bsc_hll_add(ps->hll, h);
		return;
	}
	if ((ps->n + 1) * 4 > ps->cap * 3)
		grow(ps);
	for (i = (size_t)(h % ps->cap); ps->slots[i]; i = (i + 1) % ps->cap)
		if (ps->slots[i] == h)
			return;
	ps->slots[i] = h;
	ps->n++;
	if (ps->n > ps->budget)
		to_sketch(ps);
}

static bool
contains(const struct bsc_personset *ps, uint64_t h)
{
	if (!ps->cap)
		return false;
	for (size_t i = (size_t)(h % ps->cap); ps->slots[i];
	     i = (i + 1) % ps->cap)
		if (ps->slots[i] == h)
			return true;
	return false;
}

uint64_t
bsc_personset_overlap(const struct bsc_personset *a,
		      const struct bsc_personset *b)
{
	uint64_t n = 0;

	if (a->hll || b->hll)
		return 0;
	if (a->n > b->n) {
		const struct bsc_personset *t = a;

		a = b;
		b = t;
	}
	for (size_t i = 0; i < a->cap; i++)
		if (a->slots[i] && contains(b, a->slots[i]))
			n++;
	return n;
}

size_t
bsc_personset_size(const struct bsc_personset *ps)
{
	return ps->hll ? 0 : ps->n;
}

uint64_t
bsc_personset_count(const struct bsc_personset *ps, bool *approx,
		    double *error)
{
	*approx = ps->hll != NULL;
	*error = 0;
	if (!ps->hll)
		return ps->n;
	return bsc_hll_estimate(ps->hll, error);
}

uint64_t
bsc_hll_estimate(const uint8_t *hll, double *error)
{
	double m = BSC_HLL_M, sum = 0, est;
	unsigned zeros = 0;

	for (size_t i = 0; i < BSC_HLL_M; i++) {
		sum += ldexp(1.0, -(int)hll[i]);
		zeros += hll[i] == 0;
	}
	est = (0.7213 / (1 + 1.079 / m)) * m * m / sum;
	if (est <= 2.5 * m && zeros)
		est = m * log(m / zeros); /* linear counting */
	*error = 1.04 / sqrt(m);
	return (uint64_t)llround(est);
}

/* ---- text form -------------------------------------------------------- */

static const char b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *
bsc_base64(const unsigned char *p, size_t n, const char *prefix)
{
	size_t pl = strlen(prefix);
	char *out = bsc_zalloc(pl + (n + 2) / 3 * 4 + 1);
	char *w = out + pl;

	memcpy(out, prefix, pl);
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16;

		if (i + 1 < n)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		*w++ = b64[(v >> 18) & 63];
		*w++ = b64[(v >> 12) & 63];
		*w++ = i + 1 < n ? b64[(v >> 6) & 63] : '=';
		*w++ = i + 2 < n ? b64[v & 63] : '=';
	}
	return out;
}

unsigned char *
bsc_unbase64(const char *s, size_t *n)
{
	size_t len = strlen(s);
	unsigned char *out;
	size_t k = 0;

	if (len % 4)
		return NULL;
	out = bsc_zalloc(len / 4 * 3 + 1);
	for (size_t i = 0; i < len; i += 4) {
		unsigned v = 0;
		int pad = 0;

		for (int j = 0; j < 4; j++) {
			const char *c = strchr(b64, s[i + j]);

			if (s[i + j] == '=') {
				pad++;
				v <<= 6;
			} else if (!c || !s[i + j] || pad) {
				free(out);
				return NULL;
			} else {
				v = (v << 6) | (unsigned)(c - b64);
			}
		}
		out[k++] = (unsigned char)(v >> 16);
		if (pad < 2)
			out[k++] = (unsigned char)(v >> 8);
		if (pad < 1)
			out[k++] = (unsigned char)v;
	}
	*n = k;
	return out;
}

uint64_t
bsc_person_hash(const unsigned char key[32], const char *kind,
		const char *value)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	size_t kl = strlen(kind), vl = strlen(value);
	unsigned char *buf = bsc_zalloc(kl + vl + 1);
	uint64_t h = 0;

	memcpy(buf, kind, kl);
	memcpy(buf + kl + 1, value, vl);
	if (!HMAC(EVP_sha256(), key, 32, buf, kl + 1 + vl, md, &mdlen))
		abort();
	free(buf);
	for (int i = 0; i < 8; i++)
		h = (h << 8) | md[i];
	return h;
}

struct bsc_hmac {
	EVP_MD *md;
	EVP_MD_CTX *inner, *outer; /* after the key pads */
	EVP_MD_CTX *tmp;
};

struct bsc_hmac *
bsc_hmac_new(const unsigned char key[32])
{
	struct bsc_hmac *m = bsc_zalloc(sizeof(*m));
	unsigned char pad[64];

	m->md = EVP_MD_fetch(NULL, "SHA256", NULL);
	m->inner = EVP_MD_CTX_new();
	m->outer = EVP_MD_CTX_new();
	m->tmp = EVP_MD_CTX_new();
	if (!m->md || !m->inner || !m->outer || !m->tmp)
		abort();
	/* HMAC (RFC 2104) with a 32-byte key: key ^ ipad, key ^ opad */
	memset(pad, 0x36, sizeof(pad));
	for (int i = 0; i < 32; i++)
		pad[i] ^= key[i];
	if (!EVP_DigestInit_ex(m->inner, m->md, NULL) ||
	    !EVP_DigestUpdate(m->inner, pad, sizeof(pad)))
		abort();
	memset(pad, 0x5c, sizeof(pad));
	for (int i = 0; i < 32; i++)
		pad[i] ^= key[i];
	if (!EVP_DigestInit_ex(m->outer, m->md, NULL) ||
	    !EVP_DigestUpdate(m->outer, pad, sizeof(pad)))
		abort();
	memset(pad, 0, sizeof(pad));
	return m;
}

void
bsc_hmac_free(struct bsc_hmac *m)
{
	if (!m)
		return;
	EVP_MD_CTX_free(m->inner);
	EVP_MD_CTX_free(m->outer);
	EVP_MD_CTX_free(m->tmp);
	EVP_MD_free(m->md);
	free(m);
}

uint64_t
bsc_hmac_person(struct bsc_hmac *m, const char *kind, const char *value)
{
	unsigned char ih[EVP_MAX_MD_SIZE], md[EVP_MAX_MD_SIZE];
	unsigned int il = 0, ml = 0;
	uint64_t h = 0;

	if (!EVP_MD_CTX_copy_ex(m->tmp, m->inner) ||
	    !EVP_DigestUpdate(m->tmp, kind, strlen(kind) + 1) ||
	    !EVP_DigestUpdate(m->tmp, value, strlen(value)) ||
	    !EVP_DigestFinal_ex(m->tmp, ih, &il) ||
	    !EVP_MD_CTX_copy_ex(m->tmp, m->outer) ||
	    !EVP_DigestUpdate(m->tmp, ih, il) ||
	    !EVP_DigestFinal_ex(m->tmp, md, &ml))
		abort();
	for (int i = 0; i < 8; i++)
		h = (h << 8) | md[i];
	return h;
}

/* ---- person keys of a record ------------------------------------------ */

static const char *const role_names[BSC_PK_COUNT] = {
	"", "nir", "local_id", "last_name", "first_name",
	"birth_date", "email", "phone", "address", "professional_id",
};

int
bsc_person_role_from_name(const char *name)
{
	for (int i = 1; i < BSC_PK_COUNT; i++)
		if (!strcmp(role_names[i], name))
			return i;
	return -1;
}

const char *
bsc_person_key_name(int kind)
{
	static const char *const names[BSC_KEY_COUNT] = {
		"national_id", "patient_id", "name_birth_date", "contact"};

	return kind >= 0 && kind < BSC_KEY_COUNT ? names[kind] : "none";
}

/* Letters and digits only, lower-case ASCII, accents folded: "Jean-Pierre"
 * and "JEAN PIERRE" give "jeanpierre". */
static char *
norm_name(const char *v, size_t len)
{
	char *h = bsc_header_normalise(v, len);
	char *w = h;

	for (const char *r = h; *r; r++)
		if (*r != '_')
			*w++ = *r;
	*w = '\0';
	if (!*h) {
		free(h);
		return NULL;
	}
	return h;
}

/* YYYYMMDD from DD/MM/YYYY, YYYY-MM-DD, YYYYMMDD[hhmm...]. */
static char *
norm_date(const char *v, size_t len)
{
	char d[16];
	size_t n = 0;

	for (size_t i = 0; i < len && n < sizeof(d) - 1; i++)
		if (v[i] >= '0' && v[i] <= '9')
			d[n++] = v[i];
	d[n] = '\0';
	if (n >= 8 && len >= 10 && (v[2] == '/' || v[2] == '.' || v[2] == '-')) {
		char out[9];

		memcpy(out, d + 4, 4);
		memcpy(out + 4, d + 2, 2);
		memcpy(out + 6, d, 2);
		out[8] = '\0';
		return bsc_valid_date(out, 8) ? bsc_strdup(out) : NULL;
	}
	if (n >= 8) {
		d[8] = '\0';
		return bsc_valid_date(d, 8) ? bsc_strdup(d) : NULL;
	}
	return NULL;
}

/* E.164: "+33612345678" from 06 12 34 56 78, +33 6.., 0033 6.., 33 6..
 * and +33 (0)6..; other countries keep their digits after "+". */
static char *
norm_phone(const char *v, size_t len)
{
	char d[32];
	size_t n = 0, i = 0;
	bool intl;

	while (i < len && (v[i] == ' ' || v[i] == '\t'))
		i++;
	intl = i < len && v[i] == '+';
	for (; i < len && n < sizeof(d) - 1; i++)
		if (v[i] >= '0' && v[i] <= '9')
			d[n++] = v[i];
	d[n] = '\0';
	if (n < 9)
		return NULL;
	if (!intl && n >= 4 && d[0] == '0' && d[1] == '0')
		return bsc_asprintf("+%s", d + 2);
	if (!intl && n == 10 && d[0] == '0')
		return bsc_asprintf("+33%s", d + 1);
	if (!intl && n == 9)
		return bsc_asprintf("+33%s", d);
	if (n == 12 && d[0] == '3' && d[1] == '3' && d[2] == '0')
		return bsc_asprintf("+33%s", d + 3); /* +33 (0)6 ... */
	return bsc_asprintf("+%s", d);
}

static char *
norm_email(const char *v, size_t len)
{
	char *e;

	if (len > 7 && !strncasecmp(v, "mailto:", 7)) {
		v += 7;
		len -= 7;
	}
	if (!memchr(v, '@', len) || len > 254)
		return NULL;
	e = bsc_strndup(v, len);
	for (char *p = e; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return e;
}

/* A professional id (RPPS 11 digits, ADELI 9), its digits and letters
 * only; NULL when too short or too long to be one. */
static char *
norm_pro_id(const char *v, size_t len)
{
	char d[33];
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		if (!isalnum((unsigned char)v[i]))
			continue;
		if (n == sizeof(d) - 1)
			return NULL;
		d[n++] = (char)toupper((unsigned char)v[i]);
	}
	d[n] = '\0';
	return n >= 6 ? bsc_strdup(d) : NULL;
}

/* A further e-mail or phone of the record, kept when new and there is
 * room. */
static void
offer_more(struct bsc_record_keys *k, int role, const char *v, size_t len)
{
	char **more = role == BSC_PK_EMAIL ? k->more_email : k->more_phone;
	char *x = role == BSC_PK_EMAIL ? norm_email(v, len)
				       : norm_phone(v, len);
	size_t i;

	if (!x)
		return;
	if (!strcmp(x, k->v[role]))
		i = BSC_RECORD_MAX_CONTACTS;
	else
		for (i = 0; i < BSC_RECORD_MAX_CONTACTS - 1 && more[i]; i++)
			if (!strcmp(more[i], x))
				break;
	if (i < BSC_RECORD_MAX_CONTACTS - 1 && !more[i]) {
		more[i] = x;
		return;
	}
	free(x);
}

void
bsc_record_keys_offer(struct bsc_record_keys *k, int role, const char *issuer,
		      const char *v, size_t len)
{
	char *x = NULL;

	if (role <= BSC_PK_NONE || role >= BSC_PK_COUNT || len == 0 ||
	    len > 256)
		return;
	if (k->v[role]) {
		if (role == BSC_PK_EMAIL || role == BSC_PK_PHONE)
			offer_more(k, role, v, len);
		return;
	}
	switch (role) {
	case BSC_PK_NIR:
		if (bsc_valid_nir(v, len)) {
			char d[16];
			size_t n = 0;

			for (size_t i = 0; i < len && n < 15; i++)
				if (isalnum((unsigned char)v[i]))
					d[n++] = (char)toupper(
						(unsigned char)v[i]);
			d[n] = '\0';
			x = bsc_strdup(d);
		}
		break;
	case BSC_PK_LOCAL_ID:
		if (len <= 64) {
			x = bsc_strndup(v, len);
			k->issuer = bsc_strdup(issuer ? issuer : "");
		}
		break;
	case BSC_PK_LAST_NAME:
	case BSC_PK_FIRST_NAME:
		x = norm_name(v, len);
		break;
	case BSC_PK_BIRTH_DATE:
		x = norm_date(v, len);
		break;
	case BSC_PK_EMAIL:
		x = norm_email(v, len);
		break;
	case BSC_PK_PHONE:
		x = norm_phone(v, len);
		break;
	case BSC_PK_ADDRESS:
		x = bsc_strdup("1");
		break;
	case BSC_PK_PRO_ID:
		x = norm_pro_id(v, len);
		break;
	}
	k->v[role] = x;
}

void
bsc_record_keys_offer_text(struct bsc_record_keys *k, int role,
			   const char *issuer, const char *v, size_t len)
{
	bool had = role > BSC_PK_NONE && role < BSC_PK_COUNT && k->v[role];

	bsc_record_keys_offer(k, role, issuer, v, len);
	if (!had && role > BSC_PK_NONE && role < BSC_PK_COUNT && k->v[role])
		k->prose |= 1u << role;
}

static void
wipe(char **p)
{
	if (*p)
		memset(*p, 0, strlen(*p));
	free(*p);
	*p = NULL;
}

void
bsc_record_keys_clear(struct bsc_record_keys *k)
{
	for (int i = 0; i < BSC_PK_COUNT; i++)
		wipe(&k->v[i]);
	for (int i = 0; i < BSC_RECORD_MAX_CONTACTS - 1; i++) {
		wipe(&k->more_email[i]);
		wipe(&k->more_phone[i]);
	}
	wipe(&k->issuer);
	k->prose = 0;
}

/* Under 18 on k->today, by the birth date YYYYMMDD. */
static bool
is_minor(const struct bsc_record_keys *k)
{
	const char *b = k->v[BSC_PK_BIRTH_DATE];
	unsigned long born;

	if (!b || !k->today)
		return false;
	born = strtoul(b, NULL, 10);
	return born <= k->today && born + 180000 > k->today;
}

/* Hash kind "\0" value into keys[*n]. */
static void
push_key(struct bsc_pkey *keys, size_t *n, struct bsc_hmac *mac,
	 const char *kind, const char *value, enum bsc_pk_kind pk)
{
	keys[*n].hash = bsc_hmac_person(mac, kind, value);
	keys[*n].kind = pk;
	(*n)++;
}

int
bsc_record_keys_take(struct bsc_record_keys *k, struct bsc_hmac *mac,
		     struct bsc_pkey *keys, size_t *n, unsigned *flags,
		     uint64_t *strongest)
{
	int kind = -1;
	char **v = k->v;

	*n = 0;
	*flags = 0;
	*strongest = 0;
	if (v[BSC_PK_EMAIL] || v[BSC_PK_PHONE] || v[BSC_PK_ADDRESS])
		*flags |= BSC_PF_CONTACT;
	if (v[BSC_PK_NIR]) {
		push_key(keys, n, mac, "national_id", v[BSC_PK_NIR],
			 BSC_PKK_NIR);
		kind = BSC_KEY_NATIONAL_ID;
	}
	if (v[BSC_PK_LOCAL_ID]) {
		char *q = bsc_asprintf("%s\x1f%s", k->issuer ? k->issuer : "",
				       v[BSC_PK_LOCAL_ID]);

		push_key(keys, n, mac, "patient_id", q, BSC_PKK_ID);
		wipe(&q);
		/* The bare value links across issuers, as a weak key. */
		push_key(keys, n, mac, "patient_id_any", v[BSC_PK_LOCAL_ID],
			 BSC_PKK_WEAK);
		if (kind < 0)
			kind = BSC_KEY_PATIENT_ID;
	}
	if (v[BSC_PK_LAST_NAME] && v[BSC_PK_FIRST_NAME] &&
	    v[BSC_PK_BIRTH_DATE]) {
		/* The two names in a fixed order: exports swap them
		 * ("DUPONT Jean" here, "Jean DUPONT" there). */
		bool swap = strcmp(v[BSC_PK_LAST_NAME],
				   v[BSC_PK_FIRST_NAME]) > 0;
		char *nb = bsc_asprintf(
			"%s|%s|%s",
			swap ? v[BSC_PK_FIRST_NAME] : v[BSC_PK_LAST_NAME],
			swap ? v[BSC_PK_LAST_NAME] : v[BSC_PK_FIRST_NAME],
			v[BSC_PK_BIRTH_DATE]);

		unsigned parts = 1u << BSC_PK_LAST_NAME |
				 1u << BSC_PK_FIRST_NAME |
				 1u << BSC_PK_BIRTH_DATE;

		push_key(keys, n, mac, "name_birth_date", nb,
			 (k->prose & parts) ? BSC_PKK_WEAK
					    : BSC_PKK_NAME_BIRTH);
		wipe(&nb);
		if (kind < 0)
			kind = BSC_KEY_NAME_BIRTH_DATE;
	}
	if (v[BSC_PK_EMAIL])
		push_key(keys, n, mac, "email", v[BSC_PK_EMAIL], BSC_PKK_WEAK);
	if (v[BSC_PK_PHONE])
		push_key(keys, n, mac, "phone", v[BSC_PK_PHONE], BSC_PKK_WEAK);
	for (int i = 0; i < BSC_RECORD_MAX_CONTACTS - 1; i++) {
		if (k->more_email[i])
			push_key(keys, n, mac, "email", k->more_email[i],
				 BSC_PKK_WEAK);
		if (k->more_phone[i])
			push_key(keys, n, mac, "phone", k->more_phone[i],
				 BSC_PKK_WEAK);
	}
	if (kind < 0 && *n)
		kind = BSC_KEY_CONTACT;
	if (*n) {
		/* The strongest key comes first, except a local id's weak
		 * twin, which never is the strongest. */
		*strongest = keys[0].hash;
		if (is_minor(k))
			*flags |= BSC_PF_MINOR;
	}
	bsc_record_keys_clear(k);
	return kind;
}

void
bsc_record_keys_take_other(struct bsc_record_keys *k, struct bsc_hmac *mac,
			   struct bsc_pkey *keys, size_t *n)
{
	char **v = k->v;

	*n = 0;
	if (v[BSC_PK_PRO_ID])
		push_key(keys, n, mac, "professional_id", v[BSC_PK_PRO_ID],
			 BSC_PKK_ID);
	if (v[BSC_PK_NIR])
		push_key(keys, n, mac, "national_id", v[BSC_PK_NIR],
			 BSC_PKK_NIR);
	if (v[BSC_PK_LAST_NAME] && v[BSC_PK_FIRST_NAME]) {
		bool swap = strcmp(v[BSC_PK_LAST_NAME],
				   v[BSC_PK_FIRST_NAME]) > 0;
		const char *b = v[BSC_PK_BIRTH_DATE];
		char *nb = bsc_asprintf(
			"%s|%s|%s",
			swap ? v[BSC_PK_FIRST_NAME] : v[BSC_PK_LAST_NAME],
			swap ? v[BSC_PK_LAST_NAME] : v[BSC_PK_FIRST_NAME],
			b ? b : "");
		unsigned parts = 1u << BSC_PK_LAST_NAME |
				 1u << BSC_PK_FIRST_NAME;

		push_key(keys, n, mac, "name_birth_date", nb,
			 (k->prose & parts) ? BSC_PKK_WEAK
					    : BSC_PKK_NAME_BIRTH);
		wipe(&nb);
	}
	if (v[BSC_PK_EMAIL])
		push_key(keys, n, mac, "email", v[BSC_PK_EMAIL], BSC_PKK_WEAK);
	if (v[BSC_PK_PHONE])
		push_key(keys, n, mac, "phone", v[BSC_PK_PHONE], BSC_PKK_WEAK);
	for (int i = 0; i < BSC_RECORD_MAX_CONTACTS - 1; i++) {
		if (k->more_email[i])
			push_key(keys, n, mac, "email", k->more_email[i],
				 BSC_PKK_WEAK);
		if (k->more_phone[i])
			push_key(keys, n, mac, "phone", k->more_phone[i],
				 BSC_PKK_WEAK);
	}
	bsc_record_keys_clear(k);
}
