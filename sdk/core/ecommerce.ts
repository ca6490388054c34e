import type { Properties } from '../protocol/types';

/** A product as Segment's e-commerce spec describes it. */
export interface Product {
  product_id: string;
  sku?: string;
  name?: string;
  brand?: string;
  category?: string;
  variant?: string;
  price?: number;
  quantity?: number;
  coupon?: string;
  position?: number;
  url?: string;
  image_url?: string;
  [key: string]: unknown;
}

export interface Order {
  order_id: string;
  /** Revenue for this order, excluding shipping and tax. */
  revenue?: number;
  total?: number;
  shipping?: number;
  tax?: number;
  discount?: number;
  coupon?: string;
  currency: string;
  products: Product[];
  [key: string]: unknown;
}

type Track = { track(event: string, properties?: Properties): void };

/**
 * Typed helpers for Segment's e-commerce events, so the names and required fields are right
 * at compile time: `productViewed(tp, product)`, `orderCompleted(tp, order)`...
 */
export const productViewed = (tp: Track, product: Product & { currency?: string }) => tp.track('Product Viewed', product);
export const productAdded = (tp: Track, product: Product & { cart_id?: string; currency?: string }) => tp.track('Product Added', product);
export const productRemoved = (tp: Track, product: Product & { cart_id?: string }) => tp.track('Product Removed', product);
export const checkoutStarted = (tp: Track, checkout: Omit<Order, 'order_id'> & { order_id?: string; value?: number }) => tp.track('Checkout Started', checkout);
export const orderCompleted = (tp: Track, order: Order) => tp.track('Order Completed', order);
export const orderRefunded = (tp: Track, refund: { order_id: string; total?: number; currency?: string; products?: Product[] }) =>
  tp.track('Order Refunded', refund);
