#include <libxml/xmlversion.h>
#include "xml_bridge.h"
int sxb_version(void) { return LIBXML_VERSION; }
