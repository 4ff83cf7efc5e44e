//! Lock and other annotations that close a function's declaration (`__acquires(lock);`), on
//! the declaration's line or on a line of their own.

use super::width;

/// Annotations that may close a function's declaration on a line of their own.
pub(crate) const DECLARATION_ANNOTATIONS: [&str; 10] = [
    "__acquires",
    "__releases",
    "__must_hold",
    "__must_not_hold",
    "__cond_acquires",
    "__cond_releases",
    "__printf",
    "__realloc_size",
    "__alloc_size",
    "__compiletime_warning",
];

/// The column at which the nearest declaration within a few lines of `t` that aligns its
/// trailing lock annotation with a tab has it.
pub(super) fn annotation_column(lines: &[String], t: usize) -> Option<usize> {
    let near = |j: usize| {
        let line = &lines[j];
        let (lo, hi) = crate::kernel::align::aligned_gap(line, crate::kernel::align::Kind::Annotation)?;
        line[lo..hi].contains('\t').then(|| width(&line[..hi], 0))
    };
    crate::kernel::nearest_around(lines.len(), t, ANNOTATION_REACH, near)
}

/// How far around a lone annotation [`annotation_column`] looks.
const ANNOTATION_REACH: usize = 8;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lone_annotation_stands_in_its_neighbours_column() {
        // include/linux/rwlock_api_smp.h (7.2): under a head too long for the column.
        let lines: Vec<String> = [
            "void __lockfunc _raw_write_lock_irq(rwlock_t *lock)\t__acquires(lock);",
            "unsigned long __lockfunc _raw_read_lock_irqsave(rwlock_t *lock)",
            "__acquires_shared(lock);",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(annotation_column(&lines, 2), Some(56));
        // Annotations one space after their declarations set no column.
        let spaced = [
            "void f(int *l) __acquires(l);".to_string(),
            "void g(int *l)".into(),
            "__releases(l);".into(),
        ];
        assert_eq!(annotation_column(&spaced, 2), None);
    }
}
