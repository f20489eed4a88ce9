/*
 * hugemem.h — memory for large tables read at random (the segmenter's trie,
 * the IDF table, the near-duplicate index), backed by transparent huge pages
 * where the kernel offers them.
 *
 * Why: a look-up in a table of tens of megabytes misses the TLB as well as
 * the cache; with 4 KiB pages every such miss also walks the page table.
 * Linux backs a region advised MADV_HUGEPAGE with 2 MiB pages (when
 * /sys/kernel/mm/transparent_hugepage/enabled is "always" or "madvise"),
 * which cuts those walks; the replay benchmark runs about a tenth faster.
 * Where huge pages are not available the memory is ordinary and everything
 * works the same.
 *
 * Sizes under YQ_HUGE_MIN come from calloc.  Memory is zeroed, reserved
 * lazily by the kernel (untouched pages cost nothing), and must be freed
 * with yq_huge_free and the same size.
 */
#ifndef YQ_HUGEMEM_H
#define YQ_HUGEMEM_H

#include <stddef.h>

#define YQ_HUGE_PAGE ((size_t)2 << 20)
#define YQ_HUGE_MIN YQ_HUGE_PAGE /* smaller tables gain nothing */

/* yq_huge_alloc: n zeroed bytes (n >= 1), aligned to YQ_HUGE_PAGE when n >=
 * YQ_HUGE_MIN (mmap, then madvise(MADV_HUGEPAGE), whose failure is
 * ignored).  NULL when out of memory. */
void *yq_huge_alloc(size_t n);

/* yq_huge_free: frees p (from yq_huge_alloc(n), same n); NULL is a no-op. */
void yq_huge_free(void *p, size_t n);

#endif
