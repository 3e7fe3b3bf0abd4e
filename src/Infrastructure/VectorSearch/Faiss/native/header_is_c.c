/* Compiled as C on purpose: P/Invoke consumers see the header as C, so it must stay valid C
 * (no C++-only syntax leaking out of the #ifdef __cplusplus guards). */
#include "cadml_faiss.h"

int cadml_test_header_is_c(void) { return CADML_FAISS_OK; }
