// Only CXMLBridge's C sources include libxml2. Swift never imports this module:
// Debian's libxml2 is built with ICU, whose headers clash with Foundation's.
#include <libxml/xmlversion.h>
