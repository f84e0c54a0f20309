package io.polarerasure.polar;

/**
 * A fault that ends sending for the whole run, as thrown for one row: whether an attempt of that row
 * may have erased the customer decides if the row can be treated as untouched.
 */
public interface RowFault {

    /**
     * True if an attempt of the row that got this exception may have landed (its answer was lost,
     * in this run or an earlier one); false if nothing sent for that row can have changed anything.
     */
    boolean rowMayHaveLanded();
}
