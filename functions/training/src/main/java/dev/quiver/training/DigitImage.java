package dev.quiver.training;

/**
 * One 8x8 handwritten digit: 64 row-major pixel intensities in 0..16 and its label 0..9.
 */
public record DigitImage(int label, double[] pixels) {

    public static final int PIXELS = 64;

    public DigitImage {
        if (label < 0 || label > 9) {
            throw new IllegalArgumentException("label must be a digit 0..9, got " + label);
        }
        if (pixels.length != PIXELS) {
            throw new IllegalArgumentException("an image has " + PIXELS + " pixels, got " + pixels.length);
        }
    }
}
