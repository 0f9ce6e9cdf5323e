/* topomix — symbol visibility. */
#ifndef TMX_EXPORT_H
#define TMX_EXPORT_H

#if defined(TMX_BUILDING_LIBRARY) && defined(__GNUC__)
#define TMX_API __attribute__((visibility("default")))
#else
#define TMX_API
#endif

#endif
