/*
 * The only translation unit that includes libxml2. See include/xml_bridge.h.
 *
 * Error handling: libxml2's global error printing is silenced in sxb_init(),
 * and every call collects its diagnostics through structured handlers bound to
 * its own parser, XPath or schema context (never xmlSetStructuredErrorFunc,
 * never xmlGetLastError), so concurrent calls never see each other's errors.
 */

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/encoding.h>
#include <libxml/globals.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlmemory.h>
#include <libxml/xmlschemas.h>
#include <libxml/xmlschemastypes.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "xml_bridge.h"

/* A document with more problems than this is reported with the first ones only. */
#define SXB_MAX_ISSUES 10000

/* ---- Library ------------------------------------------------------------ */

static void sxb_silent_generic_error(void *context, const char *message, ...) {
    (void)context;
    (void)message;
}

/* ---- windows-1251 without iconv ------------------------------------------
 * libxml2 reads and writes windows-1251 through glibc's iconv, which converts each byte through
 * an intermediate UCS-4 buffer (about a twentieth of the CPU of building and validating a day's
 * documents). These two functions do the same by table, with the same results: bytes
 * 0x00-0x7F are ASCII, 0x80-0xFF map as glibc's CP1251 (0x98 is not a character: reading it
 * is an input error, -2, as with iconv), and a character with no windows-1251 byte stops the
 * output with -2 so that libxml2 writes it as a character reference, as it does after iconv.
 * Registered under the names the encoding goes by; libxml2 looks registered handlers up
 * before iconv. */

static const unsigned short sxb_cp1251_upper[128] = {
    0x0402, 0x0403, 0x201A, 0x0453, 0x201E, 0x2026, 0x2020, 0x2021,
    0x20AC, 0x2030, 0x0409, 0x2039, 0x040A, 0x040C, 0x040B, 0x040F,
    0x0452, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x0000, 0x2122, 0x0459, 0x203A, 0x045A, 0x045C, 0x045B, 0x045F,
    0x00A0, 0x040E, 0x045E, 0x0408, 0x00A4, 0x0490, 0x00A6, 0x00A7,
    0x0401, 0x00A9, 0x0404, 0x00AB, 0x00AC, 0x00AD, 0x00AE, 0x0407,
    0x00B0, 0x00B1, 0x0406, 0x0456, 0x0491, 0x00B5, 0x00B6, 0x00B7,
    0x0451, 0x2116, 0x0454, 0x00BB, 0x0458, 0x0405, 0x0455, 0x0457,
    0x0410, 0x0411, 0x0412, 0x0413, 0x0414, 0x0415, 0x0416, 0x0417,
    0x0418, 0x0419, 0x041A, 0x041B, 0x041C, 0x041D, 0x041E, 0x041F,
    0x0420, 0x0421, 0x0422, 0x0423, 0x0424, 0x0425, 0x0426, 0x0427,
    0x0428, 0x0429, 0x042A, 0x042B, 0x042C, 0x042D, 0x042E, 0x042F,
    0x0430, 0x0431, 0x0432, 0x0433, 0x0434, 0x0435, 0x0436, 0x0437,
    0x0438, 0x0439, 0x043A, 0x043B, 0x043C, 0x043D, 0x043E, 0x043F,
    0x0440, 0x0441, 0x0442, 0x0443, 0x0444, 0x0445, 0x0446, 0x0447,
    0x0448, 0x0449, 0x044A, 0x044B, 0x044C, 0x044D, 0x044E, 0x044F,
};

/* Unicode (below U+2200) to windows-1251; 0 where there is none. Filled once by sxb_init. */
static unsigned char sxb_cp1251_from_unicode[0x2200];

/* The UTF-8 of each byte 0x80-0xFF (padded to four bytes) and its length (0 for the unassigned 0x98).
 * Filled once by sxb_init. */
static unsigned char sxb_cp1251_utf8[128][4];
static unsigned char sxb_cp1251_utf8_length[128];

int sxb_cp1251_to_utf8(unsigned char *out, int *outlen, const unsigned char *in, int *inlen) {
    const unsigned char *source = in, *source_end = in + *inlen;
    unsigned char *target = out, *target_end = out + *outlen;
    int status = 0;
    while (source < source_end) {
        unsigned int c = *source;
        if (c < 0x80) {
            /* ASCII fast path: eight bytes at a time while they are all ASCII and fit. */
            while (source_end - source >= 8 && target_end - target >= 8) {
                uint64_t word;
                memcpy(&word, source, 8);
                if (word & UINT64_C(0x8080808080808080)) break;
                memcpy(target, &word, 8);
                source += 8;
                target += 8;
            }
            while (source < source_end && *source < 0x80 && target < target_end) *target++ = *source++;
            if (source < source_end && *source < 0x80) break; /* the output is full */
            continue;
        }
        unsigned int length = sxb_cp1251_utf8_length[c - 0x80];
        if (length == 0) {
            status = -2;
            break;
        }
        if (target_end - target >= 4) {
            /* Room for a whole entry: stored at once, the bytes past its length are overwritten next. */
            memcpy(target, sxb_cp1251_utf8[c - 0x80], 4);
        } else {
            if (target_end - target < (long)length) break;
            memcpy(target, sxb_cp1251_utf8[c - 0x80], length);
        }
        target += length;
        source++;
    }
    *outlen = (int)(target - out);
    *inlen = (int)(source - in);
    return status == 0 ? *outlen : status;
}

static int sxb_utf8_to_cp1251(unsigned char *out, int *outlen, const unsigned char *in, int *inlen) {
    if (in == NULL) { /* the initialisation call: nothing to write */
        *outlen = 0;
        *inlen = 0;
        return 0;
    }
    const unsigned char *source = in, *source_end = in + *inlen;
    unsigned char *target = out, *target_end = out + *outlen;
    int status = 0;
    while (source < source_end) {
        unsigned int c = *source;
        if (c < 0x80) {
            if (target >= target_end) break;
            *target++ = (unsigned char)c;
            source++;
            continue;
        }
        int length = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
        if (length == 0) { /* not the start of a character */
            status = -2;
            break;
        }
        if (source_end - source < length) break; /* the rest of it comes with the next call */
        unsigned int u = c & (0x7F >> length);
        for (int i = 1; i < length; i++) {
            if ((source[i] & 0xC0) != 0x80) {
                status = -2;
                break;
            }
            u = (u << 6) | (source[i] & 0x3F);
        }
        if (status != 0) break;
        unsigned char byte = u < 0x2200 ? sxb_cp1251_from_unicode[u] : 0;
        if (byte == 0) { /* no windows-1251 byte: libxml2 writes a character reference */
            status = -2;
            break;
        }
        if (target >= target_end) break;
        *target++ = byte;
        source += length;
    }
    *outlen = (int)(target - out);
    *inlen = (int)(source - in);
    return status == 0 ? *outlen : status;
}

static void sxb_register_cp1251(void) {
    for (unsigned int byte = 0x80; byte < 0x100; byte++) {
        unsigned int u = sxb_cp1251_upper[byte - 0x80];
        if (u != 0 && u < 0x2200) sxb_cp1251_from_unicode[u] = (unsigned char)byte;
        /* Every assigned byte stands for a scalar in U+0080-U+FFFF: two or three UTF-8 bytes. */
        unsigned char *utf8 = sxb_cp1251_utf8[byte - 0x80];
        if (u == 0) {
            sxb_cp1251_utf8_length[byte - 0x80] = 0;
        } else if (u < 0x800) {
            utf8[0] = (unsigned char)(0xC0 | (u >> 6));
            utf8[1] = (unsigned char)(0x80 | (u & 0x3F));
            sxb_cp1251_utf8_length[byte - 0x80] = 2;
        } else {
            utf8[0] = (unsigned char)(0xE0 | (u >> 12));
            utf8[1] = (unsigned char)(0x80 | ((u >> 6) & 0x3F));
            utf8[2] = (unsigned char)(0x80 | (u & 0x3F));
            sxb_cp1251_utf8_length[byte - 0x80] = 3;
        }
    }
    static const char *const names[] = { "WINDOWS-1251", "CP1251" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        xmlCharEncodingHandlerPtr registered = xmlFindCharEncodingHandler(names[i]);
        if (registered != NULL && registered->input == sxb_cp1251_to_utf8) continue;
        if (registered != NULL) xmlCharEncCloseFunc(registered);
        /* Registers itself (libxml2 keeps it for the life of the process). */
        (void)xmlNewCharEncodingHandler(names[i], sxb_cp1251_to_utf8, sxb_utf8_to_cp1251);
    }
}

int sxb_cp1251_handler_registered(void) {
    xmlCharEncodingHandlerPtr handler = xmlFindCharEncodingHandler("windows-1251");
    int registered = handler != NULL && handler->input == sxb_cp1251_to_utf8;
    if (handler != NULL) xmlCharEncCloseFunc(handler);
    return registered;
}

void sxb_init(void) {
    xmlInitParser();
    xmlSchemaInitTypes();
    sxb_register_cp1251();
    /* New threads copy these defaults; the calling thread is set directly. */
    xmlThrDefSetGenericErrorFunc(NULL, sxb_silent_generic_error);
    xmlSetGenericErrorFunc(NULL, sxb_silent_generic_error);
}

int sxb_version(void) { return LIBXML_VERSION; }

void sxb_free(void *pointer) {
    if (pointer != NULL) xmlFree(pointer);
}

/* ---- Diagnostics -------------------------------------------------------- */

static char *sxb_strdup_trimmed(const char *text) {
    if (text == NULL) return NULL;
    size_t length = strlen(text);
    while (length > 0 && (text[length - 1] == '\n' || text[length - 1] == '\r' ||
                          text[length - 1] == ' ' || text[length - 1] == '\t')) {
        length--;
    }
    char *copy = malloc(length + 1);
    if (copy == NULL) return NULL;
    memcpy(copy, text, length);
    copy[length] = '\0';
    return copy;
}

static void sxb_issues_add(sxb_issues *issues, int level, int domain, int code,
                           long line, int column, const char *message, char *path_owned) {
    if (issues == NULL) {
        xmlFree(path_owned);
        return;
    }
    if (issues->count >= SXB_MAX_ISSUES) {
        issues->dropped++;
        xmlFree(path_owned);
        return;
    }
    if (issues->count == issues->capacity) {
        size_t capacity = issues->capacity == 0 ? 8 : issues->capacity * 2;
        sxb_issue *items = realloc(issues->items, capacity * sizeof(sxb_issue));
        if (items == NULL) {
            issues->dropped++;
            xmlFree(path_owned);
            return;
        }
        issues->items = items;
        issues->capacity = capacity;
    }
    sxb_issue *issue = &issues->items[issues->count++];
    issue->level = level;
    issue->domain = domain;
    issue->code = code;
    issue->line = line;
    issue->column = column;
    issue->message = sxb_strdup_trimmed(message != NULL ? message : "unknown libxml2 error");
    issue->path = NULL;
    if (path_owned != NULL) {
        issue->path = sxb_strdup_trimmed(path_owned);
        xmlFree(path_owned);
    }
}

void sxb_issues_free(sxb_issues *issues) {
    if (issues == NULL) return;
    for (size_t i = 0; i < issues->count; i++) {
        free(issues->items[i].message);
        free(issues->items[i].path);
    }
    free(issues->items);
    issues->items = NULL;
    issues->count = 0;
    issues->capacity = 0;
    issues->dropped = 0;
}

static int sxb_level(xmlErrorLevel level) {
    switch (level) {
    case XML_ERR_WARNING: return 1;
    case XML_ERR_ERROR: return 2;
    case XML_ERR_FATAL: return 3;
    default: return 2;
    }
}

/* ---- Nodes -------------------------------------------------------------- */

static xmlNodePtr sxb_owner_element(xmlNodePtr node) {
    while (node != NULL && node->type != XML_ELEMENT_NODE) {
        if (node->type == XML_DOCUMENT_NODE) return NULL;
        node = node->parent;
    }
    return node;
}

static int sxb_same_name(xmlNodePtr a, xmlNodePtr b) {
    if (a->type != b->type || !xmlStrEqual(a->name, b->name)) return 0;
    const xmlChar *na = a->ns != NULL ? a->ns->href : NULL;
    const xmlChar *nb = b->ns != NULL ? b->ns->href : NULL;
    return xmlStrEqual(na, nb);
}

/* Appends "/segment" for one element into a growing reversed list of segments. */
static xmlChar *sxb_element_segment(xmlNodePtr node) {
    int index = 1, total = 1;
    for (xmlNodePtr p = node->prev; p != NULL; p = p->prev) {
        if (sxb_same_name(p, node)) { index++; total++; }
    }
    for (xmlNodePtr n = node->next; n != NULL; n = n->next) {
        if (sxb_same_name(n, node)) total++;
    }
    xmlChar *segment = xmlStrdup(BAD_CAST "/");
    if (node->ns != NULL && node->ns->prefix != NULL) {
        segment = xmlStrcat(segment, node->ns->prefix);
        segment = xmlStrcat(segment, BAD_CAST ":");
    }
    segment = xmlStrcat(segment, node->name);
    if (total > 1) {
        char buffer[32];
        snprintf(buffer, sizeof buffer, "[%d]", index);
        segment = xmlStrcat(segment, BAD_CAST buffer);
    }
    return segment;
}

static char *sxb_path_of(xmlNodePtr node) {
    if (node == NULL) return NULL;
    xmlChar *suffix = NULL;
    if (node->type == XML_ATTRIBUTE_NODE) {
        suffix = xmlStrdup(BAD_CAST "/@");
        suffix = xmlStrcat(suffix, node->name);
        node = node->parent;
    } else if (node->type == XML_TEXT_NODE || node->type == XML_CDATA_SECTION_NODE) {
        suffix = xmlStrdup(BAD_CAST "/text()");
        node = node->parent;
    } else if (node->type == XML_DOCUMENT_NODE) {
        return (char *)xmlStrdup(BAD_CAST "/");
    }
    node = sxb_owner_element(node);
    xmlChar *path = xmlStrdup(BAD_CAST "");
    for (; node != NULL && node->type == XML_ELEMENT_NODE; node = node->parent) {
        xmlChar *segment = sxb_element_segment(node);
        segment = xmlStrcat(segment, path);
        xmlFree(path);
        path = segment;
    }
    if (suffix != NULL) {
        path = xmlStrcat(path, suffix);
        xmlFree(suffix);
    }
    return (char *)path;
}

static long sxb_line_of(xmlNodePtr node) {
    if (node == NULL) return 0;
    if (node->type == XML_ATTRIBUTE_NODE) node = node->parent;
    if (node == NULL || node->type == XML_DOCUMENT_NODE) return 0;
    long line = xmlGetLineNo(node);
    return line > 0 ? line : 0;
}

/* ---- Parsing untrusted documents --------------------------------------- */

typedef struct sxb_parse_state {
    sxb_issues *issues;
    int rejected;
    void *stream;  /* the streaming validation of sxb_schema_validate_bytes, or NULL */
} sxb_parse_state;

static sxb_parse_state *sxb_state_of(void *sax_context) {
    xmlParserCtxtPtr ctxt = (xmlParserCtxtPtr)sax_context;
    return ctxt != NULL ? (sxb_parse_state *)ctxt->_private : NULL;
}

static void sxb_parser_error(void *user, xmlErrorPtr error) {
    sxb_parse_state *state = sxb_state_of(user);
    if (state == NULL || error == NULL) return;
    /* After our own rejection the parser reports that it was stopped: noise. */
    if (state->rejected) return;
    sxb_issues_add(state->issues, sxb_level(error->level), error->domain, error->code,
                   error->line, error->int2, error->message, NULL);
}

static void sxb_reject(xmlParserCtxtPtr ctxt, const char *message) {
    sxb_parse_state *state = sxb_state_of(ctxt);
    if (state == NULL || state->rejected) return;
    long line = (ctxt->input != NULL) ? ctxt->input->line : 0;
    int column = (ctxt->input != NULL) ? ctxt->input->col : 0;
    sxb_issues_add(state->issues, 3, 0, 0, line, column, message, NULL);
    state->rejected = 1;
    xmlStopParser(ctxt);
}

static void sxb_entity_decl(void *context, const xmlChar *name, int type,
                            const xmlChar *public_id, const xmlChar *system_id, xmlChar *content) {
    (void)type; (void)public_id; (void)content;
    char message[512];
    snprintf(message, sizeof message,
             "DTD with entity declarations is not accepted (entity '%s'%s declared)",
             name != NULL ? (const char *)name : "?",
             system_id != NULL ? " with an external identifier" : "");
    sxb_reject((xmlParserCtxtPtr)context, message);
}

static void sxb_internal_subset(void *context, const xmlChar *name,
                                const xmlChar *external_id, const xmlChar *system_id) {
    if (external_id != NULL || system_id != NULL) {
        sxb_reject((xmlParserCtxtPtr)context,
                   "DOCTYPE with an external DTD (SYSTEM or PUBLIC identifier) is not accepted");
        return;
    }
    xmlSAX2InternalSubset(context, name, external_id, system_id);
}

static void sxb_external_subset(void *context, const xmlChar *name,
                                const xmlChar *external_id, const xmlChar *system_id) {
    (void)name;
    if (external_id != NULL || system_id != NULL) {
        sxb_reject((xmlParserCtxtPtr)context,
                   "DOCTYPE with an external DTD (SYSTEM or PUBLIC identifier) is not accepted");
    }
}

static xmlParserInputPtr sxb_resolve_entity(void *context, const xmlChar *public_id,
                                            const xmlChar *system_id) {
    (void)public_id; (void)system_id;
    sxb_reject((xmlParserCtxtPtr)context, "external resources are not loaded");
    return NULL;
}

/* The protections every parse of untrusted bytes gets (sxb_doc_parse, sxb_doc_parse_pruned). */
static void sxb_protect(xmlParserCtxtPtr ctxt, sxb_parse_state *state) {
    /* No NOENT (no entity substitution), no DTDLOAD/DTDATTR/DTDVALID, no HUGE, no RECOVER. */
    xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                                XML_PARSE_BIG_LINES);
    ctxt->_private = state;
    ctxt->sax->serror = sxb_parser_error;
    ctxt->sax->error = NULL;
    ctxt->sax->warning = NULL;
    ctxt->sax->fatalError = NULL;
    ctxt->sax->entityDecl = sxb_entity_decl;
    ctxt->sax->internalSubset = sxb_internal_subset;
    ctxt->sax->externalSubset = sxb_external_subset;
    ctxt->sax->resolveEntity = sxb_resolve_entity;
}

/* Runs the parse and hands over the document when it was accepted (else frees it and makes sure
 * `issues` holds an error); frees the context. */
static xmlDocPtr sxb_run_protected(xmlParserCtxtPtr ctxt, sxb_parse_state *state, int *rejected, sxb_issues *issues) {
    xmlParseDocument(ctxt);
    xmlDocPtr doc = ctxt->myDoc;
    int accepted = ctxt->wellFormed && !state->rejected && doc != NULL;
    if (!accepted) {
        if (doc != NULL) xmlFreeDoc(doc);
        doc = NULL;
        int has_error = 0;
        for (size_t i = 0; issues != NULL && i < issues->count; i++) {
            if (issues->items[i].level >= 2) has_error = 1;
        }
        if (!has_error) {
            sxb_issues_add(issues, 3, 0, 0, 0, 0, "Document is not well-formed", NULL);
        }
    }
    *rejected = state->rejected;
    ctxt->myDoc = NULL;
    ctxt->_private = NULL;
    xmlFreeParserCtxt(ctxt);
    return doc;
}

sxb_doc *sxb_doc_parse(const char *bytes, size_t length, int *rejected, sxb_issues *issues) {
    *rejected = 0;
    if (bytes == NULL || length == 0) {
        sxb_issues_add(issues, 3, 0, 0, 1, 1, "Document is empty", NULL);
        return NULL;
    }
    if (length > INT_MAX) {
        *rejected = 1;
        sxb_issues_add(issues, 3, 0, 0, 0, 0, "Document is too large", NULL);
        return NULL;
    }
    xmlParserCtxtPtr ctxt = xmlCreateMemoryParserCtxt(bytes, (int)length);
    if (ctxt == NULL) {
        sxb_issues_add(issues, 3, 0, 0, 0, 0, "Cannot create a parser context", NULL);
        return NULL;
    }
    sxb_parse_state state = { issues, 0, NULL };
    sxb_protect(ctxt, &state);
    return (sxb_doc *)sxb_run_protected(ctxt, &state, rejected, issues);
}

/* ---- Parsing untrusted documents read a piece at a time, pruned -------- */

/* The state of sxb_doc_parse_pruned: the parse's own state first (sxb_state_of reads it). */
typedef struct sxb_pruning {
    sxb_parse_state state;
    int max_depth;
    int depth;               /* depth of the element being built (-1 outside the root) */
    long *start_lines;       /* start line of the open elements of depth 0 ... max_depth */
    sxb_closed_callback closed;
    void *context;
    int stopped;
} sxb_pruning;

static sxb_pruning *sxb_pruning_of(void *sax_context) {
    return (sxb_pruning *)sxb_state_of(sax_context);
}

/* The encoding the XML declaration named, as far as the parse has gone: where the tree builder
 * takes the document's own from when the document ends (xmlSAX2EndDocument). */
static const char *sxb_encoding_so_far(xmlParserCtxtPtr ctxt) {
    if (ctxt->myDoc != NULL && ctxt->myDoc->encoding != NULL) return (const char *)ctxt->myDoc->encoding;
    if (ctxt->encoding != NULL) return (const char *)ctxt->encoding;
    if (ctxt->inputTab != NULL && ctxt->inputNr > 0 && ctxt->inputTab[0] != NULL && ctxt->inputTab[0]->encoding != NULL) {
        return (const char *)ctxt->inputTab[0]->encoding;
    }
    return NULL;
}

static void sxb_pruning_start(void *context, const xmlChar *localname, const xmlChar *prefix,
                              const xmlChar *uri, int nb_namespaces, const xmlChar **namespaces,
                              int nb_attributes, int nb_defaulted, const xmlChar **attributes) {
    xmlParserCtxtPtr ctxt = (xmlParserCtxtPtr)context;
    sxb_pruning *pruning = sxb_pruning_of(context);
    xmlSAX2StartElementNs(context, localname, prefix, uri, nb_namespaces, namespaces,
                          nb_attributes, nb_defaulted, attributes);
    pruning->depth += 1;
    if (pruning->depth >= 0 && pruning->depth <= pruning->max_depth) {
        /* What the tree builder gives the element as its line, without its 65535 ceiling. */
        pruning->start_lines[pruning->depth] = ctxt->input != NULL ? (long)ctxt->input->line : 0;
    }
}

static void sxb_pruning_end(void *context, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri) {
    xmlParserCtxtPtr ctxt = (xmlParserCtxtPtr)context;
    sxb_pruning *pruning = sxb_pruning_of(context);
    xmlNodePtr element = ctxt->node;
    xmlSAX2EndElementNs(context, localname, prefix, uri);
    int depth = pruning->depth;
    pruning->depth -= 1;
    if (depth < 1 || depth > pruning->max_depth || element == NULL || element->type != XML_ELEMENT_NODE ||
        pruning->stopped || pruning->state.rejected || ctxt->myDoc == NULL) {
        return;
    }
    int action = pruning->closed(pruning->context, (sxb_doc *)ctxt->myDoc, (sxb_node *)element, depth,
                                 pruning->start_lines[depth], sxb_encoding_so_far(ctxt));
    if (action == SXB_STOP) {
        pruning->stopped = 1;
        xmlStopParser(ctxt);
        return;
    }
    if (action != SXB_DROP) return;
    xmlNodePtr parent = element->parent;
    xmlUnlinkNode(element);
    xmlFreeNode(element);
    /* The text and comments between the element and its preceding element sibling go with it:
     * text arriving next then starts a node of its own. (The tree builder appends text to a last
     * child that is text through its own record of that node's length, which is not this node's.) */
    while (parent != NULL && parent->last != NULL && parent->last->type != XML_ELEMENT_NODE) {
        xmlNodePtr trailing = parent->last;
        xmlUnlinkNode(trailing);
        xmlFreeNode(trailing);
    }
}

sxb_doc *sxb_doc_parse_pruned(sxb_read_callback read, int max_depth, sxb_closed_callback closed, void *context,
                              int *rejected, int *stopped, sxb_issues *issues) {
    *rejected = 0;
    *stopped = 0;
    if (max_depth < 1) max_depth = 1;
    long *start_lines = calloc((size_t)max_depth + 1, sizeof(long));
    if (start_lines == NULL) {
        sxb_issues_add(issues, 3, 0, 0, 0, 0, "Out of memory", NULL);
        return NULL;
    }
    /* libxml2 closes nothing of ours: the reader belongs to the caller. */
    xmlParserCtxtPtr ctxt = xmlCreateIOParserCtxt(NULL, NULL, read, NULL, context, XML_CHAR_ENCODING_NONE);
    if (ctxt == NULL) {
        free(start_lines);
        sxb_issues_add(issues, 3, 0, 0, 0, 0, "Cannot create a parser context", NULL);
        return NULL;
    }
    sxb_pruning pruning = { { issues, 0, NULL }, max_depth, -1, start_lines, closed, context, 0 };
    sxb_protect(ctxt, &pruning.state);
    ctxt->sax->startElementNs = sxb_pruning_start;
    ctxt->sax->endElementNs = sxb_pruning_end;
    xmlDocPtr doc = sxb_run_protected(ctxt, &pruning.state, rejected, issues);
    if (pruning.stopped && doc != NULL) {
        /* Stopped by the caller: not accepted, whatever the parser made of the rest. */
        xmlFreeDoc(doc);
        doc = NULL;
    }
    *stopped = pruning.stopped;
    free(start_lines);
    return (sxb_doc *)doc;
}

void sxb_doc_free(sxb_doc *doc) {
    if (doc != NULL) xmlFreeDoc((xmlDocPtr)doc);
}

char *sxb_doc_declared_encoding(const sxb_doc *doc) {
    xmlDocPtr d = (xmlDocPtr)doc;
    if (d == NULL || d->encoding == NULL) return NULL;
    return (char *)xmlStrdup(d->encoding);
}

sxb_node *sxb_doc_root(const sxb_doc *doc) {
    return (sxb_node *)xmlDocGetRootElement((const xmlDoc *)doc);
}

/* ---- XPath -------------------------------------------------------------- */

static void sxb_xpath_error(void *user, xmlErrorPtr error) {
    if (error == NULL) return;
    sxb_issues_add((sxb_issues *)user, sxb_level(error->level), error->domain, error->code,
                   0, error->int1, error->message, NULL);
}

int sxb_xpath(sxb_doc *doc, sxb_node *context, const char *expression,
              const char *const *prefixes, const char *const *uris, size_t count,
              sxb_node ***nodes, size_t *count_out, char **string_value,
              sxb_issues *issues) {
    *nodes = NULL;
    *count_out = 0;
    *string_value = NULL;
    xmlXPathContextPtr xp = xmlXPathNewContext((xmlDocPtr)doc);
    if (xp == NULL) {
        sxb_issues_add(issues, 3, 0, 0, 0, 0, "Cannot create an XPath context", NULL);
        return -1;
    }
    xp->error = sxb_xpath_error;
    xp->userData = issues;
    xp->node = context != NULL ? (xmlNodePtr)context : (xmlNodePtr)doc;
    for (size_t i = 0; i < count; i++) {
        if (xmlXPathRegisterNs(xp, BAD_CAST prefixes[i], BAD_CAST uris[i]) != 0) {
            char message[256];
            snprintf(message, sizeof message, "Cannot register the XPath namespace prefix '%s'", prefixes[i]);
            sxb_issues_add(issues, 3, 0, 0, 0, 0, message, NULL);
            xmlXPathFreeContext(xp);
            return -1;
        }
    }
    size_t before = issues != NULL ? issues->count : 0;
    xmlXPathObjectPtr result = xmlXPathEvalExpression(BAD_CAST expression, xp);
    if (result == NULL) {
        if (issues != NULL && issues->count == before) {
            sxb_issues_add(issues, 3, 0, 0, 0, 0, "XPath evaluation failed", NULL);
        }
        xmlXPathFreeContext(xp);
        return -1;
    }
    int status = 0;
    if (result->type == XPATH_NODESET) {
        xmlNodeSetPtr set = result->nodesetval;
        size_t total = (set != NULL && set->nodeNr > 0) ? (size_t)set->nodeNr : 0;
        if (total > 0) {
            sxb_node **array = xmlMalloc(total * sizeof(sxb_node *));
            if (array == NULL) {
                sxb_issues_add(issues, 3, 0, 0, 0, 0, "Out of memory", NULL);
                status = -1;
            } else {
                size_t kept = 0;
                for (size_t i = 0; i < total; i++) {
                    xmlNodePtr node = set->nodeTab[i];
                    /* Namespace nodes are copies owned by the result: skip them. */
                    if (node == NULL || node->type == XML_NAMESPACE_DECL) continue;
                    array[kept++] = (sxb_node *)node;
                }
                *nodes = array;
                *count_out = kept;
            }
        }
    } else {
        *string_value = (char *)xmlXPathCastToString(result);
    }
    xmlXPathFreeObject(result);
    xmlXPathFreeContext(xp);
    return status;
}

/* ---- Node accessors ----------------------------------------------------- */

int sxb_node_kind(const sxb_node *node) {
    xmlNodePtr n = (xmlNodePtr)node;
    if (n == NULL) return SXB_NODE_OTHER;
    switch (n->type) {
    case XML_ELEMENT_NODE: return SXB_NODE_ELEMENT;
    case XML_ATTRIBUTE_NODE: return SXB_NODE_ATTRIBUTE;
    case XML_TEXT_NODE: return SXB_NODE_TEXT;
    case XML_CDATA_SECTION_NODE: return SXB_NODE_CDATA;
    case XML_COMMENT_NODE: return SXB_NODE_COMMENT;
    case XML_DOCUMENT_NODE: return SXB_NODE_DOCUMENT;
    default: return SXB_NODE_OTHER;
    }
}

const char *sxb_node_name(const sxb_node *node) {
    xmlNodePtr n = (xmlNodePtr)node;
    return (n != NULL && n->name != NULL) ? (const char *)n->name : "";
}

const char *sxb_node_ns_prefix(const sxb_node *node) {
    xmlNodePtr n = (xmlNodePtr)node;
    if (n == NULL || (n->type != XML_ELEMENT_NODE && n->type != XML_ATTRIBUTE_NODE)) return NULL;
    return (n->ns != NULL) ? (const char *)n->ns->prefix : NULL;
}

const char *sxb_node_ns_uri(const sxb_node *node) {
    xmlNodePtr n = (xmlNodePtr)node;
    if (n == NULL || (n->type != XML_ELEMENT_NODE && n->type != XML_ATTRIBUTE_NODE)) return NULL;
    return (n->ns != NULL) ? (const char *)n->ns->href : NULL;
}

long sxb_node_line(const sxb_node *node) { return sxb_line_of((xmlNodePtr)node); }

char *sxb_node_text(const sxb_node *node) {
    xmlNodePtr n = (xmlNodePtr)node;
    if (n == NULL) return NULL;
    return (char *)xmlNodeGetContent(n);
}

char *sxb_node_attribute(const sxb_node *node, const char *name, const char *ns_uri) {
    xmlNodePtr n = (xmlNodePtr)node;
    if (n == NULL || n->type != XML_ELEMENT_NODE || name == NULL) return NULL;
    if (ns_uri == NULL) return (char *)xmlGetNoNsProp(n, BAD_CAST name);
    return (char *)xmlGetNsProp(n, BAD_CAST name, BAD_CAST ns_uri);
}

sxb_node *sxb_node_parent(const sxb_node *node) {
    xmlNodePtr n = (xmlNodePtr)node;
    if (n == NULL || n->parent == NULL) return NULL;
    return (sxb_node *)n->parent;
}

sxb_node *sxb_node_first_element_child(const sxb_node *node) {
    xmlNodePtr n = (xmlNodePtr)node;
    if (n == NULL || (n->type != XML_ELEMENT_NODE && n->type != XML_DOCUMENT_NODE)) return NULL;
    return (sxb_node *)xmlFirstElementChild(n);
}

sxb_node *sxb_node_next_element_sibling(const sxb_node *node) {
    xmlNodePtr n = (xmlNodePtr)node;
    if (n == NULL || n->type != XML_ELEMENT_NODE) return NULL;
    return (sxb_node *)xmlNextElementSibling(n);
}

sxb_node *sxb_node_first_attribute(const sxb_node *node) {
    xmlNodePtr n = (xmlNodePtr)node;
    if (n == NULL || n->type != XML_ELEMENT_NODE) return NULL;
    return (sxb_node *)n->properties;
}

sxb_node *sxb_node_next_attribute(const sxb_node *attribute) {
    xmlAttrPtr a = (xmlAttrPtr)attribute;
    if (a == NULL || a->type != XML_ATTRIBUTE_NODE) return NULL;
    return (sxb_node *)a->next;
}

char *sxb_node_path(const sxb_node *node) { return sxb_path_of((xmlNodePtr)node); }

/* ---- XSD ---------------------------------------------------------------- */

static void sxb_schema_error(void *user, xmlErrorPtr error) {
    if (error == NULL) return;
    xmlNodePtr node = (xmlNodePtr)error->node;
    long line = node != NULL ? sxb_line_of(node) : 0;
    if (line == 0) line = error->line;
    char *path = NULL;
    if (node != NULL) {
        xmlNodePtr element = node->type == XML_ATTRIBUTE_NODE ? node->parent : node;
        path = sxb_path_of(element);
    }
    sxb_issues_add((sxb_issues *)user, sxb_level(error->level), error->domain, error->code,
                   line, error->int2, error->message, path);
}

sxb_schema *sxb_schema_compile(const char *path, sxb_issues *issues) {
    xmlSchemaParserCtxtPtr parser = xmlSchemaNewParserCtxt(path);
    if (parser == NULL) {
        sxb_issues_add(issues, 3, 0, 0, 0, 0, "Cannot create a schema parser context", NULL);
        return NULL;
    }
    xmlSchemaSetParserStructuredErrors(parser, sxb_schema_error, issues);
    size_t before = issues != NULL ? issues->count : 0;
    xmlSchemaPtr schema = xmlSchemaParse(parser);
    xmlSchemaFreeParserCtxt(parser);
    if (schema == NULL && issues != NULL && issues->count == before) {
        sxb_issues_add(issues, 3, 0, 0, 0, 0, "The schema could not be compiled", NULL);
    }
    return (sxb_schema *)schema;
}

void sxb_schema_free(sxb_schema *schema) {
    if (schema != NULL) xmlSchemaFree((xmlSchemaPtr)schema);
}

int sxb_schema_validate(const sxb_schema *schema, sxb_doc *doc, sxb_issues *issues) {
    xmlSchemaValidCtxtPtr validator = xmlSchemaNewValidCtxt((xmlSchemaPtr)schema);
    if (validator == NULL) {
        sxb_issues_add(issues, 3, 0, 0, 0, 0, "Cannot create a schema validation context", NULL);
        return -1;
    }
    xmlSchemaSetValidStructuredErrors(validator, sxb_schema_error, issues);
    int status = xmlSchemaValidateDoc(validator, (xmlDocPtr)doc);
    xmlSchemaFreeValidCtxt(validator);
    return status;
}

/* ---- XSD while parsing (no tree) ---------------------------------------- */

/*
 * sxb_schema_validate_bytes parses with the same parser settings and safety
 * callbacks as sxb_doc_parse, but builds no tree: its own SAX handler feeds
 * libxml2's streaming validator (xmlSchemaSAXPlug with no user handler, whose
 * callbacks this layer calls itself, so it decides what the validator sees and
 * when). Everything the tree path would change before validation is mirrored
 * here, so that the issues are the tree path's:
 *  - adjacent character data is coalesced as the tree builder merges text
 *    nodes (one text push per text node, not one per parser chunk);
 *  - attributes defaulted from an internal DTD subset are dropped (the tree
 *    builder drops them without XML_PARSE_DTDATTR);
 *  - an element or attribute with an undeclared prefix is named by its QName
 *    in no namespace, as the tree builder names it;
 *  - an issue is located at the element open when libxml2 reports it (the
 *    element whose node the tree validator would report: its own start line,
 *    column 0), and its path is the tree's path, rebuilt from an element stack:
 *    an index appears only where same-named siblings exist, which is known
 *    only when the parent closes, so the elements issues refer to are kept as
 *    records and the paths are written at the end;
 *  - a document that is not accepted gives its parse issues only, as the tree
 *    path gives them (validation never ran there).
 */

typedef struct sxb_name_count {
    const xmlChar *name;  /* dictionary strings of the parser context */
    const xmlChar *uri;
    int count;
} sxb_name_count;

/* One open element; levels are reused for the next element at the same depth. */
typedef struct sxb_open_element {
    const xmlChar *name;
    const xmlChar *prefix;
    const xmlChar *uri;
    long line;
    int index;             /* 1-based among preceding same-named siblings, plus one */
    long record;           /* record of this element, -1 until an issue needs it */
    sxb_name_count *counts;  /* children seen so far, by name */
    size_t count_used, count_capacity;
} sxb_open_element;

/* An element an issue refers to (or an ancestor of one). */
typedef struct sxb_record {
    const xmlChar *name;
    const xmlChar *prefix;
    const xmlChar *uri;
    int index;
    int total;             /* same-named siblings in all; known when the parent closes */
    long parent;
    long first_child;      /* records of children, linked through next_sibling */
    long next_sibling;
} sxb_record;

typedef struct sxb_stream {
    xmlSAXHandlerPtr validator_sax;
    void *validator_data;
    sxb_open_element *levels;
    size_t level_capacity;
    long depth;            /* index of the innermost open element, -1 outside the root */
    sxb_record *records;
    size_t record_count, record_capacity;
    sxb_issues issues;     /* validity issues, paths still to write */
    long *issue_records;   /* record of each stored issue (-1: none) */
    size_t issue_record_capacity;
    xmlChar *text;         /* character data not yet given to the validator */
    size_t text_length, text_capacity;
    int text_kind;         /* 0 none, 1 text, 2 CDATA */
    int failed;            /* out of memory in this layer */
    int failed_paths;      /* some issue has no record (out of memory) */
} sxb_stream;

static sxb_stream *sxb_stream_of(void *sax_context) {
    sxb_parse_state *state = sxb_state_of(sax_context);
    return state != NULL ? (sxb_stream *)state->stream : NULL;
}

static void sxb_stream_fail(void *sax_context, sxb_stream *stream) {
    if (stream->failed) return;
    stream->failed = 1;
    sxb_parse_state *state = sxb_state_of(sax_context);
    if (state != NULL) {
        sxb_issues_add(state->issues, 3, 0, 0, 0, 0, "Out of memory while validating", NULL);
    }
    xmlStopParser((xmlParserCtxtPtr)sax_context);
}

static int sxb_grow(void **items, size_t *capacity, size_t needed, size_t size) {
    if (needed <= *capacity) return 1;
    size_t grown = *capacity == 0 ? 16 : *capacity * 2;
    while (grown < needed) grown *= 2;
    void *bigger = realloc(*items, grown * size);
    if (bigger == NULL) return 0;
    *items = bigger;
    *capacity = grown;
    return 1;
}

/* Gives pending character data to the validator as one push, as one tree node would be. */
static void sxb_stream_flush_text(sxb_stream *stream) {
    int kind = stream->text_kind;
    if (kind == 0) return;
    stream->text_kind = 0;
    int length = stream->text_length > INT_MAX ? INT_MAX : (int)stream->text_length;
    stream->text_length = 0;
    const xmlChar *text = stream->text != NULL ? stream->text : BAD_CAST "";
    if (kind == 1) {
        if (stream->validator_sax->characters != NULL)
            stream->validator_sax->characters(stream->validator_data, text, length);
    } else if (stream->validator_sax->cdataBlock != NULL) {
        stream->validator_sax->cdataBlock(stream->validator_data, text, length);
    }
}

static void sxb_stream_append_text(void *context, int kind, const xmlChar *text, int length) {
    sxb_stream *stream = sxb_stream_of(context);
    if (stream == NULL || stream->failed || length < 0) return;
    /* Text and CDATA are different tree nodes; adjacent pieces of one kind are one node. */
    if (stream->text_kind != 0 && stream->text_kind != kind) sxb_stream_flush_text(stream);
    if (!sxb_grow((void **)&stream->text, &stream->text_capacity,
                  stream->text_length + (size_t)length + 1, 1)) {
        sxb_stream_fail(context, stream);
        return;
    }
    if (length > 0) memcpy(stream->text + stream->text_length, text, (size_t)length);
    stream->text_length += (size_t)length;
    stream->text[stream->text_length] = 0;
    stream->text_kind = kind;
}

static void sxb_stream_characters(void *context, const xmlChar *text, int length) {
    sxb_stream_append_text(context, 1, text, length);
}

static void sxb_stream_cdata(void *context, const xmlChar *text, int length) {
    sxb_stream_append_text(context, 2, text, length);
}

/* Comments and processing instructions separate text nodes; the validator ignores them. */
static void sxb_stream_comment(void *context, const xmlChar *value) {
    (void)value;
    sxb_stream *stream = sxb_stream_of(context);
    if (stream != NULL) sxb_stream_flush_text(stream);
}

static void sxb_stream_pi(void *context, const xmlChar *target, const xmlChar *data) {
    (void)target; (void)data;
    sxb_stream *stream = sxb_stream_of(context);
    if (stream != NULL) sxb_stream_flush_text(stream);
}

static void sxb_stream_start_element(void *context, const xmlChar *localname, const xmlChar *prefix,
                                     const xmlChar *uri, int nb_namespaces, const xmlChar **namespaces,
                                     int nb_attributes, int nb_defaulted, const xmlChar **attributes) {
    xmlParserCtxtPtr ctxt = (xmlParserCtxtPtr)context;
    sxb_stream *stream = sxb_stream_of(context);
    if (stream == NULL || stream->failed) return;
    sxb_stream_flush_text(stream);

    /* The tree builder names an element with an undeclared prefix by its QName, in no namespace. */
    if (prefix != NULL && uri == NULL) {
        const xmlChar *qname = xmlDictQLookup(ctxt->dict, prefix, localname);
        if (qname == NULL) { sxb_stream_fail(context, stream); return; }
        localname = qname;
        prefix = NULL;
    }

    long depth = stream->depth + 1;
    if ((size_t)depth >= stream->level_capacity) {
        size_t old_capacity = stream->level_capacity;
        if (!sxb_grow((void **)&stream->levels, &stream->level_capacity, (size_t)depth + 1, sizeof(sxb_open_element))) {
            sxb_stream_fail(context, stream);
            return;
        }
        memset(stream->levels + old_capacity, 0, (stream->level_capacity - old_capacity) * sizeof(sxb_open_element));
    }
    int index = 1;
    if (depth > 0) {
        sxb_open_element *parent = &stream->levels[depth - 1];
        size_t i = 0;
        while (i < parent->count_used &&
               !(xmlStrEqual(parent->counts[i].name, localname) && xmlStrEqual(parent->counts[i].uri, uri))) {
            i++;
        }
        if (i == parent->count_used) {
            if (!sxb_grow((void **)&parent->counts, &parent->count_capacity, i + 1, sizeof(sxb_name_count))) {
                sxb_stream_fail(context, stream);
                return;
            }
            parent->counts[i].name = localname;
            parent->counts[i].uri = uri;
            parent->counts[i].count = 0;
            parent->count_used++;
        }
        index = ++parent->counts[i].count;
    }
    sxb_open_element *level = &stream->levels[depth];
    level->name = localname;
    level->prefix = prefix;
    level->uri = uri;
    level->line = ctxt->input != NULL ? ctxt->input->line : 0;
    level->index = index;
    level->record = -1;
    level->count_used = 0;
    stream->depth = depth;

    /* The tree builder drops attributes defaulted from the DTD (no XML_PARSE_DTDATTR). */
    int given = nb_attributes - nb_defaulted;
    if (given < 0) given = 0;
    const xmlChar **passed = attributes;
    const xmlChar **renamed = NULL;
    for (int i = 0; i < given; i++) {
        if (attributes[i * 5 + 1] != NULL && attributes[i * 5 + 2] == NULL) {
            /* An attribute with an undeclared prefix: the tree names it by its QName. */
            if (renamed == NULL) {
                renamed = malloc((size_t)given * 5 * sizeof(xmlChar *));
                if (renamed == NULL) { sxb_stream_fail(context, stream); return; }
                memcpy(renamed, attributes, (size_t)given * 5 * sizeof(xmlChar *));
                passed = renamed;
            }
            const xmlChar *qname = xmlDictQLookup(ctxt->dict, attributes[i * 5 + 1], attributes[i * 5]);
            if (qname == NULL) { free(renamed); sxb_stream_fail(context, stream); return; }
            renamed[i * 5] = qname;
            renamed[i * 5 + 1] = NULL;
        }
    }
    if (stream->validator_sax->startElementNs != NULL) {
        stream->validator_sax->startElementNs(stream->validator_data, localname, prefix, uri,
                                              nb_namespaces, namespaces, given, 0, passed);
    }
    free(renamed);
}

static int sxb_child_total(const sxb_open_element *level, const sxb_record *child) {
    for (size_t i = 0; i < level->count_used; i++) {
        if (xmlStrEqual(level->counts[i].name, child->name) && xmlStrEqual(level->counts[i].uri, child->uri))
            return level->counts[i].count;
    }
    return child->index;
}

static void sxb_stream_end_element(void *context, const xmlChar *localname, const xmlChar *prefix,
                                   const xmlChar *uri) {
    sxb_stream *stream = sxb_stream_of(context);
    if (stream == NULL || stream->failed) return;
    sxb_stream_flush_text(stream);
    if (stream->depth < 0) return;
    sxb_open_element *level = &stream->levels[stream->depth];
    /* The names the validator was given at the start (a QName for an undeclared prefix). */
    (void)localname; (void)prefix; (void)uri;
    /* The validator's end-of-element issues still refer to this element: it is popped after. */
    if (stream->validator_sax->endElementNs != NULL)
        stream->validator_sax->endElementNs(stream->validator_data, level->name, level->prefix, level->uri);
    if (level->record >= 0) {
        /* All children are known: their records learn how many same-named siblings they have. */
        for (long child = stream->records[level->record].first_child; child >= 0;
             child = stream->records[child].next_sibling) {
            stream->records[child].total = sxb_child_total(level, &stream->records[child]);
        }
    }
    stream->depth--;
}

/* The record of the open element at `depth`, made (with its ancestors') on first use. */
static long sxb_stream_pin(sxb_stream *stream, long depth) {
    if (depth < 0) return -1;
    sxb_open_element *level = &stream->levels[depth];
    if (level->record >= 0) return level->record;
    long parent = sxb_stream_pin(stream, depth - 1);
    if (depth > 0 && parent < 0) return -1;
    if (!sxb_grow((void **)&stream->records, &stream->record_capacity, stream->record_count + 1,
                  sizeof(sxb_record))) {
        return -1;
    }
    long id = (long)stream->record_count++;
    sxb_record *record = &stream->records[id];
    record->name = level->name;
    record->prefix = level->prefix;
    record->uri = level->uri;
    record->index = level->index;
    record->total = depth == 0 ? 1 : level->index;  /* the root is alone */
    record->parent = parent;
    record->first_child = -1;
    record->next_sibling = -1;
    if (parent >= 0) {
        record->next_sibling = stream->records[parent].first_child;
        stream->records[parent].first_child = id;
    }
    level->record = id;
    return id;
}

static void sxb_stream_schema_error(void *user, xmlErrorPtr error) {
    sxb_stream *stream = (sxb_stream *)user;
    if (stream == NULL || error == NULL) return;
    long record = sxb_stream_pin(stream, stream->depth);
    /* The tree validator reports the element's node: its start line, no column. */
    long line = stream->depth >= 0 ? stream->levels[stream->depth].line : error->line;
    int column = stream->depth >= 0 ? 0 : error->int2;
    size_t before = stream->issues.count;
    sxb_issues_add(&stream->issues, sxb_level(error->level), error->domain, error->code,
                   line, column, error->message, NULL);
    if (stream->issues.count == before) return;
    if (!sxb_grow((void **)&stream->issue_records, &stream->issue_record_capacity, stream->issues.count,
                  sizeof(long))) {
        /* Out of memory for the bookkeeping: the issue is kept, without its path. */
        stream->failed_paths = 1;
        return;
    }
    stream->issue_records[before] = record;
}

/* The tree's path of a record: /name or /prefix:name, [index] where siblings share the name. */
static char *sxb_record_path(const sxb_stream *stream, long record) {
    if (record < 0) return NULL;
    size_t length = 1;
    for (long r = record; r >= 0; r = stream->records[r].parent) {
        const sxb_record *item = &stream->records[r];
        length += 1 + (size_t)xmlStrlen(item->name) + 24;
        if (item->prefix != NULL) length += (size_t)xmlStrlen(item->prefix) + 1;
    }
    char *path = malloc(length);
    if (path == NULL) return NULL;
    /* Written from the leaf backwards into the end of the buffer, then moved to the front. */
    size_t end = length - 1;
    path[end] = 0;
    for (long r = record; r >= 0; r = stream->records[r].parent) {
        const sxb_record *item = &stream->records[r];
        char index[32] = "";
        if (item->total > 1) snprintf(index, sizeof index, "[%d]", item->index);
        size_t index_length = strlen(index);
        size_t name_length = (size_t)xmlStrlen(item->name);
        size_t prefix_length = item->prefix != NULL ? (size_t)xmlStrlen(item->prefix) + 1 : 0;
        end -= index_length;
        memcpy(path + end, index, index_length);
        end -= name_length;
        memcpy(path + end, item->name, name_length);
        if (prefix_length > 0) {
            end -= 1;
            path[end] = ':';
            end -= prefix_length - 1;
            memcpy(path + end, item->prefix, prefix_length - 1);
        }
        end -= 1;
        path[end] = '/';
    }
    memmove(path, path + end, length - end);
    return path;
}

static void sxb_issues_move(sxb_issues *from, sxb_issues *to) {
    for (size_t i = 0; i < from->count; i++) {
        sxb_issue *item = &from->items[i];
        if (to == NULL || to->count >= SXB_MAX_ISSUES ||
            !sxb_grow((void **)&to->items, &to->capacity, to->count + 1, sizeof(sxb_issue))) {
            if (to != NULL) to->dropped++;
            free(item->message);
            free(item->path);
            continue;
        }
        to->items[to->count++] = *item;
    }
    if (to != NULL) to->dropped += from->dropped;
    free(from->items);
    from->items = NULL;
    from->count = from->capacity = from->dropped = 0;
}

static void sxb_stream_free(sxb_stream *stream) {
    for (size_t i = 0; i < stream->level_capacity; i++) free(stream->levels[i].counts);
    free(stream->levels);
    free(stream->records);
    free(stream->issue_records);
    free(stream->text);
    sxb_issues_free(&stream->issues);
}

/* ---- Building and serialising ------------------------------------------ */

sxb_wdoc *sxb_wdoc_new(void) { return (sxb_wdoc *)xmlNewDoc(BAD_CAST "1.0"); }

void sxb_wdoc_free(sxb_wdoc *doc) {
    if (doc != NULL) xmlFreeDoc((xmlDocPtr)doc);
}

sxb_wnode *sxb_wdoc_add_element(sxb_wdoc *doc, sxb_wnode *parent, const char *name) {
    xmlDocPtr d = (xmlDocPtr)doc;
    xmlNodePtr node = xmlNewDocNode(d, NULL, BAD_CAST name, NULL);
    if (node == NULL) return NULL;
    if (parent == NULL) {
        xmlNodePtr old = xmlDocSetRootElement(d, node);
        if (old != NULL) xmlFreeNode(old);
    } else if (xmlAddChild((xmlNodePtr)parent, node) == NULL) {
        xmlFreeNode(node);
        return NULL;
    }
    return (sxb_wnode *)node;
}

int sxb_wnode_add_attribute(sxb_wnode *node, const char *name, const char *value) {
    /* xmlNewProp stores the value literally (no entity parsing). */
    return xmlNewProp((xmlNodePtr)node, BAD_CAST name, BAD_CAST value) != NULL ? 0 : -1;
}

int sxb_wnode_add_text(sxb_wnode *node, const char *text) {
    xmlNodePtr n = (xmlNodePtr)node;
    xmlNodePtr text_node = xmlNewDocText(n->doc, BAD_CAST text);
    if (text_node == NULL) return -1;
    if (xmlAddChild(n, text_node) == NULL) {
        xmlFreeNode(text_node);
        return -1;
    }
    return 0;
}

int sxb_wdoc_serialize(sxb_wdoc *doc, const char *encoding, int indent, char **bytes, size_t *length) {
    *bytes = NULL;
    *length = 0;
    xmlChar *memory = NULL;
    int size = 0;
    xmlDocDumpFormatMemoryEnc((xmlDocPtr)doc, &memory, &size, encoding, indent ? 1 : 0);
    if (memory == NULL || size <= 0) {
        if (memory != NULL) xmlFree(memory);
        return -1;
    }
    *bytes = (char *)memory;
    *length = (size_t)size;
    return 0;
}

int sxb_valid_name(const char *name) {
    return name != NULL && xmlValidateName(BAD_CAST name, 0) == 0;
}

int sxb_schema_validate_bytes(const sxb_schema *schema, const char *bytes, size_t length,
                              int *rejected, sxb_issues *issues) {
    *rejected = 0;
    if (bytes == NULL || length == 0) {
        sxb_issues_add(issues, 3, 0, 0, 1, 1, "Document is empty", NULL);
        return SXB_NOT_ACCEPTED;
    }
    if (length > INT_MAX) {
        *rejected = 1;
        sxb_issues_add(issues, 3, 0, 0, 0, 0, "Document is too large", NULL);
        return SXB_NOT_ACCEPTED;
    }
    xmlSchemaValidCtxtPtr validator = xmlSchemaNewValidCtxt((xmlSchemaPtr)schema);
    if (validator == NULL) {
        sxb_issues_add(issues, 3, 0, 0, 0, 0, "Cannot create a schema validation context", NULL);
        return -1;
    }
    xmlParserCtxtPtr ctxt = xmlCreateMemoryParserCtxt(bytes, (int)length);
    if (ctxt == NULL) {
        xmlSchemaFreeValidCtxt(validator);
        sxb_issues_add(issues, 3, 0, 0, 0, 0, "Cannot create a parser context", NULL);
        return SXB_NOT_ACCEPTED;
    }
    sxb_stream stream;
    memset(&stream, 0, sizeof stream);
    stream.depth = -1;
    sxb_issues parse_issues = { NULL, 0, 0, 0 };
    sxb_parse_state state = { &parse_issues, 0, &stream };
    /* The options of sxb_doc_parse: no NOENT, no DTDLOAD/DTDATTR/DTDVALID, no HUGE, no RECOVER. */
    xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                                XML_PARSE_BIG_LINES);
    ctxt->_private = &state;
    /* No tree-building callback at all: only this layer's, and the same safety callbacks. */
    xmlSAXHandlerPtr sax = ctxt->sax;
    memset(sax, 0, sizeof *sax);
    sax->initialized = XML_SAX2_MAGIC;
    sax->serror = sxb_parser_error;
    sax->entityDecl = sxb_entity_decl;
    sax->internalSubset = sxb_internal_subset;  /* records nothing without a document */
    sax->externalSubset = sxb_external_subset;
    sax->resolveEntity = sxb_resolve_entity;
    sax->startElementNs = sxb_stream_start_element;
    sax->endElementNs = sxb_stream_end_element;
    sax->characters = sxb_stream_characters;
    sax->ignorableWhitespace = sxb_stream_characters;
    sax->cdataBlock = sxb_stream_cdata;
    sax->comment = sxb_stream_comment;
    sax->processingInstruction = sxb_stream_pi;

    int status = 0;
    xmlSchemaSetValidStructuredErrors(validator, sxb_stream_schema_error, &stream);
    /* With no user handler the plug hands back the validator's own callbacks, called above. */
    xmlSAXHandlerPtr validator_sax = NULL;
    void *validator_data = NULL;
    xmlSchemaSAXPlugPtr plug = xmlSchemaSAXPlug(validator, &validator_sax, &validator_data);
    if (plug == NULL || validator_sax == NULL) {
        sxb_issues_add(issues, 3, 0, 0, 0, 0, "Cannot start the streaming schema validation", NULL);
        status = -1;
    } else {
        stream.validator_sax = validator_sax;
        stream.validator_data = validator_data;
        xmlParseDocument(ctxt);
        int valid = xmlSchemaIsValid(validator);
        status = valid == 1 ? 0 : (valid == 0 ? 1 : -1);
    }
    if (plug != NULL) xmlSchemaSAXUnplug(plug);
    xmlSchemaFreeValidCtxt(validator);

    if (status != -1) {
        int accepted = ctxt->wellFormed && !state.rejected && !stream.failed;
        if (accepted) {
            for (size_t i = 0; i < stream.issues.count; i++) {
                long record = (stream.failed_paths || i >= stream.issue_record_capacity) ? -1 : stream.issue_records[i];
                stream.issues.items[i].path = sxb_record_path(&stream, record);
            }
            sxb_issues_move(&stream.issues, issues);
            sxb_issues_free(&parse_issues);
        } else {
            /* As sxb_doc_parse: the parse issues only, at least one error among them. */
            int has_error = 0;
            for (size_t i = 0; i < parse_issues.count; i++) {
                if (parse_issues.items[i].level >= 2) has_error = 1;
            }
            if (!has_error) {
                sxb_issues_add(&parse_issues, 3, 0, 0, 0, 0, "Document is not well-formed", NULL);
            }
            sxb_issues_move(&parse_issues, issues);
            status = SXB_NOT_ACCEPTED;
        }
    }
    *rejected = state.rejected;
    sxb_issues_free(&parse_issues);
    sxb_stream_free(&stream);
    ctxt->_private = NULL;
    xmlFreeParserCtxt(ctxt);
    return status;
}
