#ifndef SVERKA_XML_BRIDGE_H
#define SVERKA_XML_BRIDGE_H

/*
 * Opaque C bridge over libxml2 for the Swift module XML.
 *
 * This header deliberately includes no libxml2 header: Debian's libxml2 is built
 * with ICU, whose headers clash with Foundation's. Every libxml2 object is an
 * opaque handle here, every function is prefixed `sxb_`, and only xml_bridge.c
 * includes libxml2.
 *
 * Ownership: strings returned as `char *` are owned by the caller and must be
 * released with sxb_free(). Node handles are borrowed from their document and
 * stay valid while the document lives.
 */

#include <stddef.h>

/* ---- Library ------------------------------------------------------------ */

/// Initialises libxml2 once (parser, schema types, XPath) and silences its
/// global error printing. Call before any other function, before threads.
void sxb_init(void);
/* 1 when libxml2 reads and writes windows-1251 through this bridge's tables (sxb_init registers them), not iconv. */
int sxb_cp1251_handler_registered(void);
/* The windows-1251 decoder libxml2 reads with (its xmlCharEncodingInputFunc, callable for tests):
 * converts *inlen bytes of `in` into at most *outlen UTF-8 bytes of `out`, then sets *inlen to the
 * bytes read and *outlen to the bytes written. Returns *outlen, or -2 at the unassigned byte 0x98
 * (what was read before it is converted). Valid after sxb_init. */
int sxb_cp1251_to_utf8(unsigned char *out, int *outlen, const unsigned char *in, int *inlen);

/// The libxml2 version as a number, e.g. 20914.
int sxb_version(void);

/// Releases memory returned by the bridge (libxml2's xmlFree).
void sxb_free(void *pointer);

/* ---- Diagnostics -------------------------------------------------------- */

/// One diagnostic reported by libxml2 (or by the bridge itself).
typedef struct sxb_issue {
    int level;      /* 1 warning, 2 error, 3 fatal error */
    int domain;     /* libxml2 error domain (0 for the bridge's own errors) */
    int code;       /* libxml2 error code (0 for the bridge's own errors) */
    long line;      /* 1-based, 0 when unknown */
    int column;     /* 1-based, 0 when unknown */
    char *message;  /* UTF-8, trailing newline removed; malloc'd */
    char *path;     /* element path such as /Файл/Документ[1]; malloc'd; may be NULL */
} sxb_issue;

/// A growable list of diagnostics collected from one parse/validation call.
typedef struct sxb_issues {
    sxb_issue *items;
    size_t count;
    size_t capacity;
    size_t dropped;  /* issues not stored because the list reached its limit */
} sxb_issues;

/// Frees every message and path and the array itself; the struct is reset.
void sxb_issues_free(sxb_issues *issues);

/* ---- Parsing untrusted documents --------------------------------------- */

typedef struct sxb_doc sxb_doc;
typedef struct sxb_node sxb_node;

/// Parses `length` bytes without network access, entity substitution, DTD
/// loading, attribute defaults, huge-document mode or recovery. A DOCTYPE that
/// declares entities or names an external DTD is rejected. Returns NULL when
/// the document is not accepted; `issues` then holds at least one error, and
/// `*rejected` is 1 when it was refused for safety rather than being malformed.
sxb_doc *sxb_doc_parse(const char *bytes, size_t length, int *rejected, sxb_issues *issues);

void sxb_doc_free(sxb_doc *doc);

/// The encoding named in the XML declaration (NULL when none); caller frees.
char *sxb_doc_declared_encoding(const sxb_doc *doc);

/// The root element (NULL for a document without one).
sxb_node *sxb_doc_root(const sxb_doc *doc);

/* ---- Parsing untrusted documents read a piece at a time, pruned ------- */

/// Gives the parser its next bytes: fills `buffer` with at most `length` bytes and returns how
/// many (0 at the end), or -1 when they cannot be read (the document is then not accepted).
typedef int (*sxb_read_callback)(void *context, char *buffer, int length);

/// What sxb_closed_callback returns.
enum {
    SXB_KEEP = 0,  /* the element stays in the tree */
    SXB_DROP = 1,  /* the element is freed at once, with the text and comments before it back to
                      its preceding element sibling */
    SXB_STOP = -1  /* the parse stops; the document is not accepted */
};

/// An element of depth 1 ... max_depth (the root is depth 0) has just closed, its subtree built
/// and still in the tree with everything kept before it. `line` is the line of its start tag
/// (exact past line 65535 too, where libxml2's own element lines stop), `encoding` the encoding
/// the XML declaration named (NULL: none). `doc`, `element` and every node under it are valid
/// only until the callback returns when it drops the element.
typedef int (*sxb_closed_callback)(void *context, sxb_doc *doc, sxb_node *element, int depth, long line,
                                   const char *encoding);

/// Parses a document whose bytes `read` gives a piece at a time, with sxb_doc_parse's
/// protections, handing each element that closes at depth 1 ... max_depth to `closed`, which
/// decides whether it stays: what the callback drops is never in memory again, so a document of
/// many elements is read in the memory of one. `context` goes to both callbacks. Returns what is
/// left of the document (the caller frees it with sxb_doc_free) when it is accepted, else NULL
/// with `issues` and `*rejected` as sxb_doc_parse gives them; `*stopped` is 1 when `closed`
/// stopped the parse.
sxb_doc *sxb_doc_parse_pruned(sxb_read_callback read, int max_depth, sxb_closed_callback closed, void *context,
                              int *rejected, int *stopped, sxb_issues *issues);

/// Evaluates an XPath expression against `context` (NULL: the document).
/// `prefixes`/`uris` register `count` namespaces. On success returns 0 and sets
/// `*nodes` to a malloc'd array (free with sxb_free) of `*count_out` handles,
/// or, when the result is not a node set, `*string_value` to its string value.
/// Returns -1 with `issues` filled on error.
int sxb_xpath(sxb_doc *doc, sxb_node *context, const char *expression,
              const char *const *prefixes, const char *const *uris, size_t count,
              sxb_node ***nodes, size_t *count_out, char **string_value,
              sxb_issues *issues);

/// Node kinds the Swift side distinguishes.
enum {
    SXB_NODE_ELEMENT = 1,
    SXB_NODE_ATTRIBUTE = 2,
    SXB_NODE_TEXT = 3,
    SXB_NODE_CDATA = 4,
    SXB_NODE_COMMENT = 8,
    SXB_NODE_DOCUMENT = 9,
    SXB_NODE_OTHER = 0
};

int sxb_node_kind(const sxb_node *node);
/// Local name (borrowed, valid while the document lives).
const char *sxb_node_name(const sxb_node *node);
/// Namespace prefix / URI (borrowed; NULL when none).
const char *sxb_node_ns_prefix(const sxb_node *node);
const char *sxb_node_ns_uri(const sxb_node *node);
/// Source line (0 when unknown).
long sxb_node_line(const sxb_node *node);
/// Text content of the node and its descendants; caller frees.
char *sxb_node_text(const sxb_node *node);
/// Value of the attribute `name` in no namespace (ns_uri NULL) or in `ns_uri`; NULL when absent; caller frees.
char *sxb_node_attribute(const sxb_node *node, const char *name, const char *ns_uri);
sxb_node *sxb_node_parent(const sxb_node *node);
sxb_node *sxb_node_first_element_child(const sxb_node *node);
sxb_node *sxb_node_next_element_sibling(const sxb_node *node);
/// First attribute of an element (as a node of kind SXB_NODE_ATTRIBUTE), then the next one.
sxb_node *sxb_node_first_attribute(const sxb_node *node);
sxb_node *sxb_node_next_attribute(const sxb_node *attribute);
/// Element path such as /Файл/Документ/ТаблСчФакт/СведТов[2] (local names;
/// an index only where same-named siblings exist); caller frees.
char *sxb_node_path(const sxb_node *node);

/* ---- XSD ---------------------------------------------------------------- */

typedef struct sxb_schema sxb_schema;

/// Compiles the schema at `path` (imports and includes resolve relative to it).
/// Returns NULL with `issues` filled on failure.
sxb_schema *sxb_schema_compile(const char *path, sxb_issues *issues);
void sxb_schema_free(sxb_schema *schema);

/// Validates a parsed document with a fresh validation context. Safe to call
/// from several threads at once with the same schema (different documents).
/// Returns 0 when valid, >0 when invalid, -1 on an internal error.
int sxb_schema_validate(const sxb_schema *schema, sxb_doc *doc, sxb_issues *issues);

/// What sxb_schema_validate_bytes returns when the bytes are not accepted as a document.
#define SXB_NOT_ACCEPTED (-2)

/// Parses `length` bytes exactly as sxb_doc_parse does (same options, same
/// rejections) and validates them against `schema` while parsing, without
/// building a tree. Safe to call from several threads at once with the same
/// schema. Returns 0 when valid, >0 when invalid (`issues` then holds what
/// sxb_schema_validate reports for the parsed tree: same messages, lines and
/// element paths), -1 on an internal error, or SXB_NOT_ACCEPTED when the bytes
/// are not accepted: `issues` then holds what sxb_doc_parse reports and
/// `*rejected` is set as there.
int sxb_schema_validate_bytes(const sxb_schema *schema, const char *bytes, size_t length,
                              int *rejected, sxb_issues *issues);

/* ---- Building and serialising ------------------------------------------ */

typedef struct sxb_wdoc sxb_wdoc;
typedef struct sxb_wnode sxb_wnode;

sxb_wdoc *sxb_wdoc_new(void);
void sxb_wdoc_free(sxb_wdoc *doc);
/// A new element appended to `parent`, or made the document root when `parent` is NULL.
sxb_wnode *sxb_wdoc_add_element(sxb_wdoc *doc, sxb_wnode *parent, const char *name);
/// Appends an attribute; `value` is literal text (escaped on output). Returns 0 on success.
int sxb_wnode_add_attribute(sxb_wnode *node, const char *name, const char *value);
/// Appends literal text (escaped on output). Returns 0 on success.
int sxb_wnode_add_text(sxb_wnode *node, const char *text);
/// Serialises with `encoding` (e.g. "windows-1251"); characters the encoding
/// lacks become numeric character references. Returns 0 and a buffer to free
/// with sxb_free, or -1.
int sxb_wdoc_serialize(sxb_wdoc *doc, const char *encoding, int indent, char **bytes, size_t *length);
/// 1 when `name` is a valid XML name.
int sxb_valid_name(const char *name);

#endif
