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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

void sxb_init(void) {
    xmlInitParser();
    xmlSchemaInitTypes();
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
    sxb_parse_state state = { issues, 0 };
    /* No NOENT (no entity substitution), no DTDLOAD/DTDATTR/DTDVALID, no HUGE, no RECOVER. */
    xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                                XML_PARSE_BIG_LINES);
    ctxt->_private = &state;
    ctxt->sax->serror = sxb_parser_error;
    ctxt->sax->error = NULL;
    ctxt->sax->warning = NULL;
    ctxt->sax->fatalError = NULL;
    ctxt->sax->entityDecl = sxb_entity_decl;
    ctxt->sax->internalSubset = sxb_internal_subset;
    ctxt->sax->externalSubset = sxb_external_subset;
    ctxt->sax->resolveEntity = sxb_resolve_entity;

    xmlParseDocument(ctxt);

    xmlDocPtr doc = ctxt->myDoc;
    int accepted = ctxt->wellFormed && !state.rejected && doc != NULL;
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
    *rejected = state.rejected;
    ctxt->myDoc = NULL;
    ctxt->_private = NULL;
    xmlFreeParserCtxt(ctxt);
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
