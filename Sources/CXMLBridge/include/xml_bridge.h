#ifndef SVERKA_XML_BRIDGE_H
#define SVERKA_XML_BRIDGE_H
/// Opaque bridge over libxml2 (filled in by the XML foundation work).
int sxb_version(void);
#endif
